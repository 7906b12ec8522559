package ai.bud.metrics.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench}: the measuring half of scripts/bench.sh (docs/PERFORMANCE.md). Talks only to a running service and its
 * ClickHouse HTTP interface on 127.0.0.1 (and Redis for the stream ingest); prints a Markdown results section.
 */
public final class BenchCommand {

    private BenchCommand() {
    }

    static final String USAGE = """
            usage: bench --url URL --clickhouse-url URL --heavy-request FILE --heavy-sql FILE --examples DIR [options]
              --database NAME        ClickHouse database (default bud)
              --runs N               measured heavy calls, after 20 warm-up calls (default 5); 0 skips the heavy call, its floor and the sizes
              --clients N            concurrent clients of the dashboard mix (default 16)
              --duration SECONDS     length of the mix (default 30)
              --ingest-events N      events per ingest measurement (default 100000; 0 skips ingest)
              --ingest-batch N       events per HTTP bulk / JDBC batch (default 1000)
              --ingest-senders N     concurrent HTTP / JDBC senders (default 8)
              --ingest-warm-up S     seconds of HTTP ingest before it is timed (default 60)
              --redis HOST:PORT      Redis of the stream consumer (default 127.0.0.1:6379)
              --stream NAME          the Dapr topic stream (default budMetricsMessages)
              --delete-stream true   delete the stream afterwards (for a stream of the bench's own)
              --out FILE             also write the Markdown section to FILE
            """;

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                out.print(USAGE);
                return 0;
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                err.println("bench: unexpected argument " + args[i]);
                err.print(USAGE);
                return 2;
            }
            options.put(args[i].substring(2), args[++i]);
        }
        for (String required : List.of("url", "clickhouse-url", "heavy-request", "heavy-sql", "examples")) {
            if (!options.containsKey(required)) {
                err.println("bench: --" + required + " is required");
                err.print(USAGE);
                return 2;
            }
        }
        for (String key : List.of("url", "clickhouse-url")) {
            String value = options.get(key);
            if (!value.startsWith("http://127.0.0.1:") && !value.startsWith("http://localhost:")) {
                err.println("bench: --" + key + " must be on 127.0.0.1, got " + value);
                return 2;
            }
        }
        try {
            Settings settings = Settings.from(options);
            Report report = new Report();
            new Bench(settings, report, err).runAll();
            String markdown = report.markdown();
            out.print(markdown);
            if (options.containsKey("out")) {
                Files.writeString(Path.of(options.get("out")), markdown, StandardCharsets.UTF_8);
            }
            return 0;
        } catch (BenchException e) {
            err.println("bench: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("bench: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The options, parsed. */
    record Settings(String url, String clickhouseUrl, String database, Path heavyRequest, Path heavySql, Path examples,
            int runs, int clients, Duration duration, int ingestEvents, int ingestBatch, int ingestSenders, Duration ingestWarmUp,
            String redisHost, int redisPort, String stream, boolean deleteStream) {

        static Settings from(Map<String, String> o) {
            String[] redis = o.getOrDefault("redis", "127.0.0.1:6379").split(":");
            return new Settings(strip(o.get("url")), strip(o.get("clickhouse-url")), o.getOrDefault("database", "bud"),
                    Path.of(o.get("heavy-request")), Path.of(o.get("heavy-sql")), Path.of(o.get("examples")),
                    integer(o, "runs", 5), positive(o, "clients", 16), Duration.ofSeconds(integer(o, "duration", 30)),
                    integer(o, "ingest-events", 100_000), positive(o, "ingest-batch", 1000), positive(o, "ingest-senders", 8),
                    Duration.ofSeconds(integer(o, "ingest-warm-up", 60)),
                    redis[0], Integer.parseInt(redis[1]), o.getOrDefault("stream", "budMetricsMessages"),
                    Boolean.parseBoolean(o.getOrDefault("delete-stream", "false")));
        }

        private static String strip(String url) {
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }

        /** An option that counts threads or rows of work: 0 would leave nothing to run it. */
        private static int positive(Map<String, String> o, String key, int fallback) {
            int value = integer(o, key, fallback);
            if (value < 1) {
                throw new BenchException("--" + key + " must be at least 1, got " + value);
            }
            return value;
        }

        private static int integer(Map<String, String> o, String key, int fallback) {
            String value = o.get(key);
            try {
                return value == null ? fallback : Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new BenchException("--" + key + " must be an integer, got " + value);
            }
        }
    }

    /** Rows of the results tables, in order, and notes. */
    static final class Report {
        final List<String[]> rows = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final List<String[]> targets = new ArrayList<>();

        void row(String what, String value, String detail) {
            rows.add(new String[] {what, value, detail});
        }

        void target(String target, String measured, Boolean met) {
            targets.add(new String[] {target, measured, met == null ? "not measured" : met ? "**met**" : "**missed**"});
        }

        void note(String text) {
            notes.add(text);
        }

        String markdown() {
            StringBuilder md = new StringBuilder();
            md.append("| measurement | value | detail |\n|---|---|---|\n");
            rows.forEach(r -> md.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n"));
            md.append("\n| target | measured | |\n|---|---|---|\n");
            targets.forEach(r -> md.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n"));
            if (!notes.isEmpty()) {
                md.append('\n');
                notes.forEach(n -> md.append("- ").append(n).append('\n'));
            }
            return md.toString();
        }
    }

    static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }

    static String number(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
