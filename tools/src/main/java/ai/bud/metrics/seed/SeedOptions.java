package ai.bud.metrics.seed;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** What one seeding run does, parsed from the command line. */
record SeedOptions(
        Mode mode,
        URI url,
        URI clickhouseUrl,
        String database,
        long records,
        int batchSize,
        Instant from,
        Instant to,
        int projects,
        int models,
        long seed,
        boolean seedGiven,
        boolean verify,
        boolean includeModelInference,
        int parallel,
        Map<String, String> engineSettings) {

    enum Mode { API, DIRECT, ENGINE }

    static final String USAGE = """
            usage: seed [--url http://host:port | --direct-db | --engine] [options]
              --url URL                  post Dapr bulk envelopes to URL/observability/add (default mode,
                                         default URL http://127.0.0.1:$APP_PORT, APP_PORT defaulting to 8000)
              --direct-db                insert straight into ClickHouse (bulk INSERT … FORMAT TabSeparated)
              --engine                   let ClickHouse generate the rows itself (INSERT … SELECT … FROM numbers(…),
                                         the same distribution; the fastest way to load millions of rows)
              --clickhouse-url URL       ClickHouse HTTP interface to use, e.g. http://127.0.0.1:8123 (the running
                                         service's embedded engine); default: CLICKHOUSE_HOST/PORT, else the
                                         embedded engine in CLICKHOUSE_EMBEDDED_DATA (direct mode) or
                                         http://127.0.0.1:$CLICKHOUSE_EMBEDDED_PORT (API mode)
              --database NAME            database (default CLICKHOUSE_DB_NAME, else bud)
              --records N                inferences to generate (default 10000)
              --batch-size N             inferences per request / insert (default 500 API, 50000 direct,
                                         2000000 engine)
              --days N                   spread arrivals over the N days before now (default 7)
              --from T --to T            or over this range (ISO date or date-time; no offset means UTC)
              --projects N               projects (default 5)
              --models N                 models (default 6)
              --seed N                   reproducible run: the same seed (and range) gives the same ids and values
              --parallel N               requests / inserts in flight (default 2; engine: 2 staged, 1 direct)
              --engine-setting NAME=VALUE  a ClickHouse setting for the engine-side INSERTs (repeatable), e.g.
                                         max_insert_threads=4
              --verify                   afterwards, check that ClickHouse holds exactly what was reported inserted
              --include-model-inference  also write ModelInference rows for the same inference ids (default)
              --no-model-inference       do not write ModelInference rows
              -h, --help                 this text""";

    static SeedOptions parse(String[] args, Map<String, String> env, Instant now, long randomSeed) {
        Mode mode = null;
        URI url = null;
        URI clickhouseUrl = null;
        String database = null;
        long records = 10_000;
        Integer batchSize = null;
        Integer days = null;
        Instant from = null;
        Instant to = null;
        int projects = 5;
        int models = 6;
        Long seed = null;
        boolean verify = false;
        Boolean includeMi = null;
        Integer parallel = null;
        Map<String, String> engineSettings = new java.util.LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--url" -> {
                    url = httpUri(value(args, ++i, option), option);
                    mode = exclusive(mode, Mode.API);
                }
                case "--direct-db" -> mode = exclusive(mode, Mode.DIRECT);
                case "--engine" -> mode = exclusive(mode, Mode.ENGINE);
                case "--engine-setting" -> setting(value(args, ++i, option), engineSettings);
                case "--clickhouse-url" -> clickhouseUrl = httpUri(value(args, ++i, option), option);
                case "--database" -> database = value(args, ++i, option);
                case "--records" -> records = positiveLong(value(args, ++i, option), option);
                case "--batch-size" -> batchSize = (int) Math.min(positiveLong(value(args, ++i, option), option), 100_000_000);
                case "--days" -> days = (int) Math.min(positiveLong(value(args, ++i, option), option), 3650);
                case "--from" -> from = instant(value(args, ++i, option), option);
                case "--to" -> to = instant(value(args, ++i, option), option);
                case "--projects" -> projects = (int) Math.min(positiveLong(value(args, ++i, option), option), 10_000);
                case "--models" -> models = (int) Math.min(positiveLong(value(args, ++i, option), option), 1_000);
                case "--seed" -> seed = longValue(value(args, ++i, option), option);
                case "--parallel" -> parallel = (int) Math.min(positiveLong(value(args, ++i, option), option), 64);
                case "--verify" -> verify = true;
                case "--include-model-inference" -> includeMi = exclusiveMi(includeMi, true);
                case "--no-model-inference" -> includeMi = exclusiveMi(includeMi, false);
                default -> throw new UsageException("unknown option " + option);
            }
        }
        if (days != null && (from != null || to != null)) {
            throw new UsageException("--days cannot be combined with --from/--to");
        }
        if ((from == null) != (to == null)) {
            throw new UsageException("--from and --to go together");
        }
        if (from == null) {
            to = now;
            from = now.minus(Duration.ofDays(days == null ? 7 : days));
        }
        if (!to.isAfter(from)) {
            throw new UsageException("--to must be after --from");
        }
        if (mode == null) {
            mode = Mode.API;
        }
        if (mode == Mode.API && url == null) {
            String port = env.getOrDefault("APP_PORT", "8000");
            url = httpUri("http://127.0.0.1:" + (port.isBlank() ? "8000" : port.strip()), "APP_PORT");
        }
        if (database == null) {
            String fromEnv = env.get("CLICKHOUSE_DB_NAME");
            database = fromEnv == null || fromEnv.isBlank() ? "bud" : fromEnv.strip();
        }
        if (!database.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new UsageException("--database must be a plain identifier, got '" + database + "'");
        }
        if (!engineSettings.isEmpty() && mode != Mode.ENGINE) {
            throw new UsageException("--engine-setting goes with --engine");
        }
        int batch = switch (mode) {
            case API -> batchSize == null ? 500 : batchSize;
            case DIRECT -> batchSize == null ? 50_000 : Math.min(batchSize, 1_000_000);
            case ENGINE -> batchSize == null ? 2_000_000 : batchSize;
        };
        return new SeedOptions(mode, url, clickhouseUrl, database, records, batch, from, to, projects, models,
                seed != null ? seed : randomSeed, seed != null, verify, includeMi == null || includeMi,
                parallel != null ? parallel : mode == Mode.ENGINE ? 0 : 2, Map.copyOf(engineSettings));
    }

    /** Seeding needs ClickHouse itself (not only the API) when it writes ModelInference rows, inserts directly, or verifies. */
    boolean needsClickHouse() {
        return mode != Mode.API || includeModelInference || verify;
    }

    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    private static Mode exclusive(Mode current, Mode wanted) {
        if (current != null && current != wanted) {
            throw new UsageException("--url, --direct-db and --engine exclude each other");
        }
        return wanted;
    }

    /** {@code name=value}; the name as ClickHouse spells settings (the value travels as a URL parameter). */
    private static void setting(String text, Map<String, String> settings) {
        int equals = text.indexOf('=');
        if (equals < 1 || !text.substring(0, equals).matches("[a-z_][a-z0-9_]*")) {
            throw new UsageException("--engine-setting must be NAME=VALUE with a ClickHouse setting name, got '" + text + "'");
        }
        settings.put(text.substring(0, equals), text.substring(equals + 1));
    }

    private static Boolean exclusiveMi(Boolean current, boolean wanted) {
        if (current != null && current != wanted) {
            throw new UsageException("--include-model-inference and --no-model-inference exclude each other");
        }
        return wanted;
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args[index];
    }

    private static long longValue(String text, String option) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be an integer, got '" + text + "'");
        }
    }

    private static long positiveLong(String text, String option) {
        long value = longValue(text, option);
        if (value < 1) {
            throw new UsageException(option + " must be at least 1, got " + value);
        }
        return value;
    }

    private static URI httpUri(String text, String option) {
        try {
            URI uri = URI.create(text.strip());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new UsageException(option + " must be an http(s) URL such as http://127.0.0.1:8000, got '" + text + "'");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            if (e instanceof UsageException usage) {
                throw usage;
            }
            throw new UsageException(option + " is not a URL: '" + text + "'");
        }
    }

    static Instant instant(String text, String option) {
        String value = text.strip();
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException e) {
                return LocalDateTime.parse(value.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            }
        } catch (DateTimeParseException e) {
            throw new UsageException(option + " must be an ISO date or date-time (e.g. 2024-01-31 or 2024-01-31T12:00:00), got '" + text + "'");
        }
    }
}
