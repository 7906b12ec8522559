package ai.bud.metrics.bench;

import static ai.bud.metrics.bench.BenchCommand.ms;
import static ai.bud.metrics.bench.BenchCommand.number;

import ai.bud.metrics.bench.BenchCommand.Report;
import ai.bud.metrics.bench.BenchCommand.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The five measurements of issue 6, in order; each adds rows and target verdicts to the {@link Report}. */
final class Bench {

    private static final String ANALYTICS = "/observability/analytics";
    private static final String ADD = "/observability/add";
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** Heavy calls made before the measured ones. */
    private static final int HEAVY_WARM_UP = 20;
    /** The format the service (and clickhouse-jdbc) reads the engine's answer in. */
    private static final String FLOOR_FORMAT = "RowBinaryWithNamesAndTypes";
    /** The stored count in an ingest answer (read without building its 1000 statuses as a tree). */
    private static final Pattern INSERTED = Pattern.compile("\"successfully_inserted\"\\s*:\\s*(\\d+)");
    private static final Pattern DURATION = Pattern.compile("([A-Za-z0-9_-]+);dur=([0-9.]+)");

    private final Settings settings;
    private final Report report;
    private final PrintStream log;
    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http;
    /** The floor's runs (section 2), each measured right after one of the heavy calls (section 1). */
    private final List<Double> floorRuns = new ArrayList<>();
    private long floorBytes;
    /** The targets judged: those of 1M or of 100M rows, by the table's rows when the bench starts. */
    private Scale scale = Scale.ONE_MILLION;

    Bench(Settings settings, Report report, PrintStream log) {
        this.settings = settings;
        this.report = report;
        this.log = log;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(4)).build();
    }

    void runAll() throws IOException, InterruptedException {
        long rows = Long.parseLong(clickhouseText("SELECT count() FROM " + settings.database() + ".ModelInferenceDetails FORMAT TabSeparated").trim());
        scale = Scale.of(rows);
        if (settings.runs() > 0) {
            double serverMedian = heavyCall();
            double floor = engineFloor();
            if (serverMedian > 0 && floor > 0) {
                scale.serverRatio(report, serverMedian, floor);
            }
            sizes();
        } else {
            // --runs 0: sections (1)-(3) left out (at 100M rows the heavy call outlasts the 30 s deadline)
            report.note("heavy call, engine floor and response sizes: skipped (--runs 0)");
        }
        eachExample();
        mix();
        if (settings.ingestEvents() > 0) {
            ingest();
        } else {
            report.note("ingest: skipped (--ingest-events 0)");
        }
        report.note(scale.note(rows));
    }

    // ---------------------------------------------------------------- (1) heavy call end to end

    /** One analytics answer: status, end-to-end time, body bytes, Server-Timing (ms by name), X-Cache, X-Budmetrics-Source. */
    private record Call(int status, long nanos, long bytes, Map<String, Double> timing, String cache, String source) {
    }

    private Call analytics(byte[] body, String acceptEncoding, boolean noCache) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.url() + ANALYTICS))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .header("Accept-Encoding", acceptEncoding)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (noCache) {
            request.header("Cache-Control", "no-cache");
        }
        long start = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        long bytes = drain(response.body());
        long nanos = System.nanoTime() - start;
        Map<String, Double> timing = new LinkedHashMap<>();
        Matcher m = DURATION.matcher(response.headers().firstValue("Server-Timing").orElse(""));
        while (m.find()) {
            timing.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return new Call(response.statusCode(), nanos, bytes, timing, response.headers().firstValue("X-Cache").orElse(""),
                response.headers().firstValue("X-Budmetrics-Source").orElse(""));
    }

    private static long drain(InputStream in) throws IOException {
        try (in) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
            return total;
        }
    }

    /** Median server time (sum of the Server-Timing parts) in nanoseconds. */
    private double heavyCall() throws IOException, InterruptedException {
        byte[] body = Files.readAllBytes(settings.heavyRequest());
        log.println("bench: (1) heavy call: " + HEAVY_WARM_UP + " warm-up + " + settings.runs()
                + " measured, Cache-Control: no-cache, each followed by its SQL straight to the engine");
        // warm-up: with 2 calls the 5 measured ones still got faster one after the other (531 → 401 ms, the JIT at work);
        // with 10, the service's JIT still compiled 100-200 methods a second while they ran
        for (int i = 0; i < HEAVY_WARM_UP; i++) {
            Call warm = analytics(body, "identity", true);
            if (warm.status() != 200) {
                throw new BenchException("the heavy call answered " + warm.status() + "; is the service up on " + settings.url() + "?");
            }
        }
        // Each measured call is followed by the same SQL sent straight to the engine (the floor, section 2): the pairs see
        // the same machine, so what else runs meanwhile (the JIT still compiling, merges, other jobs) moves both alike.
        String sql = substitute(Files.readString(settings.heavySql()));
        engine(sql, FLOOR_FORMAT);
        List<Call> calls = new ArrayList<>();
        floorRuns.clear();
        for (int i = 0; i < settings.runs(); i++) {
            calls.add(analytics(body, "identity", true));
            long start = System.nanoTime();
            floorBytes = engine(sql, FLOOR_FORMAT);
            floorRuns.add((double) (System.nanoTime() - start));
        }
        List<Double> endToEnd = new ArrayList<>();
        List<Double> server = new ArrayList<>();
        Map<String, List<Double>> parts = new LinkedHashMap<>();
        for (Call call : calls) {
            if (call.status() != 200 || !"MISS".equals(call.cache())) {
                throw new BenchException("heavy call: status " + call.status() + ", X-Cache " + call.cache());
            }
            endToEnd.add((double) call.nanos());
            server.add(call.timing().values().stream().mapToDouble(Double::doubleValue).sum() * 1e6);
            call.timing().forEach((name, value) -> parts.computeIfAbsent(name, k -> new ArrayList<>()).add(value * 1e6));
        }
        double e2e = median(endToEnd);
        double serverMedian = median(server);
        StringBuilder split = new StringBuilder();
        parts.forEach((name, values) -> split.append(split.isEmpty() ? "" : ", ").append(name).append(' ').append(ms(median(values))));
        report.row("(1) heavy call, end to end (median of " + settings.runs() + ")", ms(e2e),
                "uncompressed (`Accept-Encoding: identity`), " + number(calls.get(0).bytes()) + " bytes; all runs: "
                        + String.join(", ", endToEnd.stream().map(BenchCommand::ms).toList()));
        report.row("(1) heavy call, server time (sum of Server-Timing, median)", ms(serverMedian),
                "medians per step: " + split + "; all runs: " + String.join(", ", server.stream().map(BenchCommand::ms).toList()));
        scale.heavyCall(report, e2e);
        return serverMedian;
    }

    // ---------------------------------------------------------------- (2) the engine itself

    private double engineFloor() throws IOException, InterruptedException {
        String sql = substitute(Files.readString(settings.heavySql()));
        log.println("bench: (2) engine floor: the same SQL over the ClickHouse HTTP interface");
        report.row("(2) engine: the heavy call's SQL, `FORMAT " + FLOOR_FORMAT + "` (median of " + floorRuns.size() + ")",
                ms(median(floorRuns)), "the format the service reads; " + number(floorBytes) + " bytes; each run right after one"
                        + " of the measured heavy calls; all runs: " + String.join(", ", floorRuns.stream().map(BenchCommand::ms).toList()));
        engine(sql, "Null");
        List<Double> runs = new ArrayList<>();
        for (int i = 0; i < settings.runs(); i++) {
            long start = System.nanoTime();
            engine(sql, "Null");
            runs.add((double) (System.nanoTime() - start));
        }
        report.row("(2) engine: the heavy call's SQL, `FORMAT Null` (median of " + settings.runs() + ")", ms(median(runs)),
                "execution only, result discarded in the engine; all runs: "
                        + String.join(", ", runs.stream().map(BenchCommand::ms).toList()));
        jdbcAlone(sql);
        return median(floorRuns);
    }

    /** The same SQL through clickhouse-jdbc alone (no service): where the driver's share of the time goes. */
    private void jdbcAlone(String sql) {
        String jdbcUrl = "jdbc:clickhouse:" + settings.clickhouseUrl().substring("http:".length()) + "/" + settings.database() + "?compress=false";
        Properties properties = new Properties();
        properties.setProperty("user", "default");
        properties.setProperty("password", "");
        List<Double> executes = new ArrayList<>();
        List<Double> reads = new ArrayList<>();
        long rowCount = 0;
        try (Connection connection = DriverManager.getConnection(jdbcUrl, properties)) {
            for (int i = 0; i < settings.runs() + 1; i++) {
                long start = System.nanoTime();
                try (var statement = connection.createStatement(); var rows = statement.executeQuery(sql)) {
                    long executed = System.nanoTime();
                    int columns = rows.getMetaData().getColumnCount();
                    long count = 0;
                    while (rows.next()) {
                        for (int c = 1; c <= columns; c++) {
                            rows.getObject(c);
                        }
                        count++;
                    }
                    if (i > 0) {
                        executes.add((double) (executed - start));
                        reads.add((double) (System.nanoTime() - executed));
                    }
                    rowCount = count;
                }
            }
        } catch (SQLException e) {
            report.note("JDBC alone: " + e.getMessage());
            return;
        }
        report.row("(2) the same SQL through clickhouse-jdbc alone (median of " + settings.runs() + ")",
                ms(median(executes) + median(reads)), "executeQuery " + ms(median(executes)) + ", then reading " + number(rowCount)
                        + " rows with getObject on every column " + ms(median(reads)) + " (no service, no JSON)");
    }

    private long engine(String sql, String format) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.clickhouseUrl() + "/"))
                .timeout(Duration.ofSeconds(120))
                .header("X-ClickHouse-Database", settings.database())
                .header("X-ClickHouse-Format", format)
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long bytes = drain(response.body());
        if (response.statusCode() != 200) {
            throw new BenchException("the engine answered " + response.statusCode() + " to the heavy SQL");
        }
        return bytes;
    }

    /**
     * explain-query output (SQL, then its parameters as {@code {name:Type} = value}) to one statement with each
     * placeholder replaced as the engine replaces a query parameter, by {@code _CAST('value', 'Type')}: the statement the
     * engine runs for the service, also through JDBC (which has no named parameters).
     */
    static String substitute(String explain) {
        int sqlStart = explain.indexOf("-- SQL\n");
        int paramsStart = explain.indexOf("-- parameters");
        if (sqlStart < 0 || paramsStart < 0) {
            throw new BenchException("not the output of explain-query: " + explain.lines().findFirst().orElse(""));
        }
        String sql = explain.substring(sqlStart + 7, paramsStart);
        for (String line : explain.substring(paramsStart).lines().skip(1).filter(l -> !l.isBlank()).toList()) {
            int end = line.indexOf("} = ");
            if (!line.startsWith("{") || end < 0) {
                throw new BenchException("not a parameter line of explain-query: " + line);
            }
            String placeholder = line.substring(0, end + 1);
            String type = placeholder.substring(placeholder.indexOf(':') + 1, placeholder.length() - 1);
            if (!sql.contains(placeholder)) {
                throw new BenchException("explain-query gave the parameter " + placeholder + ", which its SQL does not use");
            }
            sql = sql.replace(placeholder, "_CAST(" + quoted(line.substring(end + 4)) + ", " + quoted(type.replace("\\", "\\\\")) + ")");
        }
        java.util.regex.Matcher unbound = java.util.regex.Pattern.compile("\\{\\w+:[^}]*}").matcher(sql);
        if (unbound.find()) {
            throw new BenchException("explain-query gave no value for " + unbound.group());
        }
        return sql;
    }

    /** A parameter's text (already in the escaped form) as a quoted literal. */
    private static String quoted(String escaped) {
        return "'" + escaped.replace("'", "\\'") + "'";
    }

    // ---------------------------------------------------------------- (3) response sizes

    private void sizes() throws IOException, InterruptedException {
        byte[] body = Files.readAllBytes(settings.heavyRequest());
        log.println("bench: (3) response sizes (the cached heavy answer, each coding 4 times)");
        long raw = 0;
        for (String coding : List.of("identity", "gzip", "br", "zstd")) {
            List<Double> times = new ArrayList<>();
            long bytes = 0;
            double first = 0;
            for (int i = 0; i < 4; i++) {
                Call call = analytics(body, coding, false);
                if (call.status() != 200) {
                    throw new BenchException("heavy call with Accept-Encoding " + coding + ": status " + call.status());
                }
                if (i == 0) {
                    first = call.nanos();
                } else {
                    times.add((double) call.nanos());
                }
                bytes = call.bytes();
            }
            raw = coding.equals("identity") ? bytes : raw;
            String ratio = coding.equals("identity") ? "" : String.format(Locale.ROOT, ", %.0f x smaller", (double) raw / bytes);
            report.row("(3) heavy response, `" + coding + "`", String.format(Locale.ROOT, "%s bytes (%.1f KB)", number(bytes), bytes / 1024.0),
                    "cache hit, end to end " + ms(first) + (coding.equals("identity") ? " (sending)" : " (compressing and sending)")
                            + ", then " + ms(median(times)) + " (median of 3" + (coding.equals("identity") ? ")" : ": the compressed form kept)")
                            + ratio);
            if (coding.equals("br")) {
                scale.brSize(report, bytes);
            }
        }
    }

    // ---------------------------------------------------------------- (4a) each example call, one client

    /** Calls of each example before the measured ones (section 4a). */
    private static final int EXAMPLE_WARM_UP = 3;
    /** Measured calls of each example (section 4a). */
    private static final int EXAMPLE_RUNS = 7;
    /** The most an example call may take, end to end (median), with one client. */
    private static final double EXAMPLE_TARGET_NANOS = 300e6;

    /** The example requests of settings.examples(), sorted by name. */
    private List<Path> exampleFiles() throws IOException {
        List<Path> files;
        try (var list = Files.list(settings.examples())) {
            files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new BenchException("no example requests in " + settings.examples());
        }
        return files;
    }

    private static String callName(Path file) {
        return file.getFileName().toString().replace(".json", "");
    }

    /**
     * Each example alone, one call at a time: its latency without the mix's queueing, where it is answered from (rollup,
     * raw or mixed) and the engine's share ({@code execute}). Rendered as in the mix, with Cache-Control: no-cache.
     */
    private void eachExample() throws IOException, InterruptedException {
        List<Path> files = exampleFiles();
        String project = busiestProject();
        log.println("bench: (4a) each of " + files.size() + " example calls, one client: " + EXAMPLE_WARM_UP + " warm-up + "
                + EXAMPLE_RUNS + " measured, Cache-Control: no-cache");
        SplittableRandom random = new SplittableRandom(4);
        String slowest = null;
        double slowestMedian = -1;
        boolean allMet = true;
        for (Path file : files) {
            String template = Files.readString(file);
            List<Double> endToEnd = new ArrayList<>();
            List<Double> executes = new ArrayList<>();
            Set<String> sources = new TreeSet<>();
            for (int i = 0; i < EXAMPLE_WARM_UP + EXAMPLE_RUNS; i++) {
                Call call = analytics(render(template, project, random).getBytes(StandardCharsets.UTF_8), "br, gzip", true);
                if (call.status() != 200) {
                    throw new BenchException("example " + file.getFileName() + " answered HTTP " + call.status());
                }
                if (i < EXAMPLE_WARM_UP) {
                    continue;
                }
                endToEnd.add((double) call.nanos());
                sources.add(call.source().isEmpty() ? "(no X-Budmetrics-Source)" : call.source());
                Double execute = call.timing().get("execute");
                if (execute != null) {
                    executes.add(execute * 1e6);
                }
            }
            double e2e = median(endToEnd);
            if (e2e > slowestMedian) {
                slowestMedian = e2e;
                slowest = callName(file);
            }
            allMet &= e2e <= EXAMPLE_TARGET_NANOS;
            report.row("(4a) `" + callName(file) + "`, one client (median of " + EXAMPLE_RUNS + ")", ms(e2e),
                    "source " + String.join(" / ", sources) + "; Server-Timing execute "
                            + (executes.isEmpty() ? "absent" : ms(median(executes)) + " (median)") + "; all runs: "
                            + String.join(", ", endToEnd.stream().map(BenchCommand::ms).toList()));
        }
        report.target("each example call, one client, median <= 300 ms", "slowest: `" + slowest + "` " + ms(slowestMedian), allMet);
    }

    // ---------------------------------------------------------------- (4) dashboard mix

    private void mix() throws IOException, InterruptedException {
        List<Path> files = exampleFiles();
        List<String> templates = new ArrayList<>();
        for (Path file : files) {
            templates.add(Files.readString(file));
        }
        String project = busiestProject();
        int clients = settings.clients();
        log.println("bench: (4) mix of " + templates.size() + " dashboard calls, " + clients + " clients, "
                + settings.duration().toSeconds() + " s (+3 s warm-up)");
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> errors = new TreeMap<>();
        AtomicLong hits = new AtomicLong();
        long warmUpEnd = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        long end = warmUpEnd + settings.duration().toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            futures.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(client * 7919L + 17);
                int i = client;
                while (System.nanoTime() < end) {
                    int which = i++ % templates.size();
                    byte[] body = render(templates.get(which), project, random).getBytes(StandardCharsets.UTF_8);
                    long start = System.nanoTime();
                    String failure = null;
                    String cache = "";
                    try {
                        Call call = analytics(body, "br, gzip", false);
                        cache = call.cache();
                        if (call.status() != 200) {
                            failure = "HTTP " + call.status() + " on " + files.get(which).getFileName();
                        }
                    } catch (IOException e) {
                        failure = e.getClass().getSimpleName();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    long stop = System.nanoTime();
                    if (start < warmUpEnd) {
                        continue;
                    }
                    if (stop > end) {
                        break;
                    }
                    if (failure != null) {
                        synchronized (errors) {
                            errors.computeIfAbsent(failure, k -> new AtomicInteger()).incrementAndGet();
                        }
                    } else {
                        samples.add(new long[] {stop - start, which});
                        if ("HIT".equals(cache)) {
                            hits.incrementAndGet();
                        }
                    }
                }
            }));
        }
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new BenchException("mix client failed: " + e.getCause(), e.getCause());
            }
        }
        pool.shutdown();
        List<Long> latencies = new ArrayList<>();
        samples.forEach(s -> latencies.add(s[0]));
        Collections.sort(latencies);
        int errorCount = errors.values().stream().mapToInt(AtomicInteger::get).sum();
        double seconds = settings.duration().toNanos() / 1e9;
        report.row("(4) dashboard mix: throughput", String.format(Locale.ROOT, "%.1f requests/s", latencies.size() / seconds),
                number(latencies.size()) + " answered in " + settings.duration().toSeconds() + " s by " + clients + " clients; "
                        + templates.size() + " calls of examples/analytics/ in turn; each from_date moved back by a random "
                        + "0-3599 s so nearly every call misses the cache: X-Cache HIT on " + hits.get() + " calls");
        if (!latencies.isEmpty()) {
            report.row("(4) dashboard mix: latency p50 / p95 / p99", ms(percentile(latencies, 50)) + " / "
                    + ms(percentile(latencies, 95)) + " / " + ms(percentile(latencies, 99)), "end to end, br/gzip accepted");
        }
        StringBuilder perCall = new StringBuilder();
        for (int t = 0; t < templates.size(); t++) {
            int which = t;
            List<Long> own = new ArrayList<>();
            samples.forEach(s -> {
                if (s[1] == which) {
                    own.add(s[0]);
                }
            });
            Collections.sort(own);
            if (!own.isEmpty()) {
                perCall.append(perCall.isEmpty() ? "" : ", ").append(callName(files.get(t)))
                        .append(' ').append(ms(percentile(own, 50)));
            }
        }
        report.row("(4) dashboard mix: p50 per call", "", perCall.toString());
        report.row("(4) dashboard mix: errors", String.valueOf(errorCount), errors.isEmpty() ? "none" : errors.toString());
        double throughput = latencies.size() / seconds;
        Double p95 = latencies.isEmpty() ? null : (double) percentile(latencies, 95);
        scale.mix(report, errorCount, latencies.size() + errorCount, throughput, p95);
        report.target("dashboard mix has no cache hits", "X-Cache HIT on " + hits.get() + " of " + number(latencies.size()) + " calls",
                hits.get() == 0);
    }

    private String busiestProject() throws IOException, InterruptedException {
        String sql = "SELECT project_id FROM " + settings.database() + ".ModelInferenceDetails WHERE request_arrival_time >= now() - INTERVAL 30 DAY "
                + "GROUP BY project_id ORDER BY count() DESC LIMIT 1 FORMAT TabSeparated";
        String id = clickhouseText(sql).trim();
        return id.isEmpty() ? UUID.randomUUID().toString() : id;
    }

    private static final Pattern RELATIVE = Pattern.compile("\\{\\{NOW-(\\d+)([hdw])\\}\\}");

    /** The example's placeholders: {{NOW}}, {{NOW-Nh|d|w}} (moved back by a random 0-3599 s), {{PROJECT_ID}}. */
    static String render(String template, String project, SplittableRandom random) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String text = template.replace("{{NOW}}", SECONDS.format(now)).replace("{{PROJECT_ID}}", project);
        Matcher m = RELATIVE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            Duration back = switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            m.appendReplacement(out, SECONDS.format(now.minus(back).minusSeconds(random.nextInt(3600))));
        }
        m.appendTail(out);
        return out.toString();
    }

    // ---------------------------------------------------------------- (5) ingest

    private void ingest() throws IOException, InterruptedException {
        int n = settings.ingestEvents();
        int batch = settings.ingestBatch();
        UUID httpProject = UUID.randomUUID();
        UUID backlogProject = UUID.randomUUID();
        UUID redisProject = UUID.randomUUID();
        UUID redisWarmProject = UUID.randomUUID();
        UUID floorProject = UUID.randomUUID();
        UUID floorWarmProject = UUID.randomUUID();
        log.println("bench: (5) ingest: " + number(n) + " events over HTTP bulk (batches of " + batch + "), the Redis stream, raw JDBC,"
                + " the engine's RowBinary insert");
        Double httpRate = null;
        Double jdbcRate = null;
        Double streamRate = null;

        // HTTP bulk
        UUID probeProject = UUID.randomUUID();
        int probe = post(ADD, bulk(events(1, probeProject, 99)).getBytes(StandardCharsets.UTF_8)).statusCode();
        if (probe == 404) {
            report.row("(5) ingest over HTTP bulk", "skipped", "POST " + ADD + " answered 404: this build has no HTTP ingestion");
        } else if (probe != 200) {
            report.row("(5) ingest over HTTP bulk", "skipped", "POST " + ADD + " answered " + probe + " to a one-event probe");
        } else {
            // warm-up, as the heavy call's: the same load for --ingest-warm-up seconds before it is timed, so that the JIT has
            // compiled the ingest path (on 2 cores the compilers still took ~20 % of the service after 40 s of ingest)
            AtomicInteger warmDeliveries = new AtomicInteger();
            long warmEnd = System.nanoTime() + settings.ingestWarmUp().toNanos();
            runSenders(() -> {
                try (PlainHttp connection = new PlainHttp(URI.create(settings.url()))) {
                    while (System.nanoTime() < warmEnd) {
                        int k = warmDeliveries.getAndIncrement();
                        connection.post(ADD, bulk(events(batch, probeProject, 1000 + k)).getBytes(StandardCharsets.UTF_8));
                    }
                }
                return null;
            });
            HttpRun live = sendBulks(events(n, httpProject, 1, 0), batch);
            long stored = count(httpProject);
            httpRate = live.inserted() / live.seconds();
            report.row("(5) ingest over HTTP bulk", number(httpRate) + " events/s",
                    number(live.inserted()) + " inserted (reported) of " + number(n) + " in "
                            + String.format(Locale.ROOT, "%.2f s", live.seconds()) + ", " + live.bodies().size() + " Dapr bulk deliveries of " + batch + " CloudEvents, " + settings.ingestSenders()
                            + " concurrent senders (one keep-alive connection each), after " + settings.ingestWarmUp().toSeconds() + " s ("
                            + warmDeliveries.get() + " deliveries) of warm-up; live events (arrived "
                            + "within the last minute); rows found in ClickHouse: " + number(stored)
                            + (live.failures().isEmpty() ? "" : "; failures " + live.failures()));
            // a backlog: events that arrived a day ago (a replay, a stream caught up after an outage): Redis cannot
            // vouch for them, so ClickHouse is asked whether their ids are stored
            HttpRun backlog = sendBulks(events(n, backlogProject, 5, 86_400_000L), batch);
            report.row("(5) ingest over HTTP bulk, a backlog (not a target)", number(backlog.inserted() / backlog.seconds()) + " events/s",
                    number(backlog.inserted()) + " inserted of " + number(n) + " in " + String.format(Locale.ROOT, "%.2f s", backlog.seconds())
                            + ", the same deliveries with events that arrived a day ago: ClickHouse is asked about every id (the checks "
                            + "of concurrent batches joined); rows found in ClickHouse: " + number(count(backlogProject))
                            + (backlog.failures().isEmpty() ? "" : "; failures " + backlog.failures()));
        }

        // Redis stream
        String groups = redisStreamGroups();
        if (groups == null) {
            report.row("(5) ingest from the Redis stream", "skipped", "stream `" + settings.stream() + "` has no consumer group: "
                    + "the service's stream consumer is not running (REDIS_INGEST_ENABLED, or this build has none)");
        } else {
            // warm-up: the stream's own code (reading, decoding entries, acknowledging) has not run yet; the rest is warm
            streamRun(n, redisWarmProject, 3);
            StreamRun run = streamRun(n, redisProject, 2);
            long stored = run.stored();
            double seconds = run.seconds();
            double published = run.published();
            if (settings.deleteStream()) {
                try (Resp redis = new Resp(settings.redisHost(), settings.redisPort())) {
                    redis.delete(settings.stream());
                }
            }
            streamRate = stored < n ? null : n / seconds;
            report.row("(5) ingest from the Redis stream", stored < n ? "incomplete" : number(n / seconds) + " events/s",
                    number(stored) + " of " + number(n) + " stored " + String.format(Locale.ROOT, "%.2f s", seconds)
                            + " after the first XADD (one CloudEvent of type add_observability_metrics per entry, field `data`, "
                            + "pipelined XADD took " + String.format(Locale.ROOT, "%.2f s", published) + "), after " + number(n)
                            + " entries of warm-up; stream `" + settings.stream()
                            + "`, groups " + groups);
        }

        // raw JDBC floor: the same rows into a copy of the table on the same engine
        List<Map<String, Object>> events = events(n, floorProject, 1);
        String jdbcUrl = "jdbc:clickhouse:" + settings.clickhouseUrl().substring("http:".length()) + "/" + settings.database() + "?compress=false";
        Properties properties = new Properties();
        properties.setProperty("user", "default");
        properties.setProperty("password", "");
        try (Connection connection = DriverManager.getConnection(jdbcUrl, properties); var statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS bench_floor");
            statement.execute("DROP TABLE IF EXISTS bench_floor.ModelInferenceDetails");
            statement.execute("CREATE TABLE bench_floor.ModelInferenceDetails AS " + settings.database() + ".ModelInferenceDetails");
        } catch (SQLException e) {
            throw new BenchException("cannot prepare the JDBC floor table: " + e.getMessage(), e);
        }
        // the floor is warmed up too (20 batches per sender, not timed, removed before counting), so that both sides
        // are compared with their code compiled
        List<Map<String, Object>> warmRows = events(Math.min(n, 20 * batch * settings.ingestSenders()), floorWarmProject, 3);
        jdbcFloor(warmRows, batch, jdbcUrl, properties, new AtomicInteger());
        clickhouseText("TRUNCATE TABLE bench_floor.ModelInferenceDetails");
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        jdbcFloor(events, batch, jdbcUrl, properties, next);
        double seconds = (System.nanoTime() - start) / 1e9;
        long floorRows = floorCount();
        Map<String, String> jdbcFingerprint = floorFingerprint();
        jdbcRate = floorRows / seconds;
        report.row("(5) ingest floor: raw JDBC insert", number(jdbcRate) + " rows/s", number(floorRows) + " rows in "
                + String.format(Locale.ROOT, "%.2f s", seconds) + ": PreparedStatement batches of " + batch + ", " + settings.ingestSenders()
                + " connections, the same columns into a copy of the table on the same engine (no validation, no dedup), after "
                + number(warmRows.size()) + " rows of warm-up");

        // the engine's own bulk insert: the same rows as RowBinary, POSTed to its HTTP interface (the real floor)
        List<byte[]> rowBinaryBodies = rowBinaryBatches(events, batch);
        clickhouseText("TRUNCATE TABLE bench_floor.ModelInferenceDetails");
        rowBinaryFloor(rowBinaryBatches(warmRows, batch), FLOOR_TABLE);
        clickhouseText("TRUNCATE TABLE bench_floor.ModelInferenceDetails");
        long rowBinaryStart = System.nanoTime();
        rowBinaryFloor(rowBinaryBodies, FLOOR_TABLE);
        double rowBinarySeconds = (System.nanoTime() - rowBinaryStart) / 1e9;
        long rowBinaryRows = floorCount();
        if (rowBinaryRows != n) {
            throw new BenchException("the RowBinary floor stored " + rowBinaryRows + " rows of " + n);
        }
        Map<String, String> rowBinaryFingerprint = floorFingerprint();
        List<String> differing = jdbcFingerprint.keySet().stream()
                .filter(c -> !jdbcFingerprint.get(c).equals(rowBinaryFingerprint.get(c))).toList();
        clickhouseText("DROP TABLE IF EXISTS bench_floor.ModelInferenceDetails");
        double rowBinaryRate = rowBinaryRows / rowBinarySeconds;
        long rowBinaryBytes = rowBinaryBodies.stream().mapToLong(b -> b.length).sum();
        report.row("(5) engine floor: INSERT … FORMAT RowBinary", number(rowBinaryRate) + " events/s", number(rowBinaryRows) + " rows in "
                + String.format(Locale.ROOT, "%.2f s", rowBinarySeconds) + ": the same rows and columns, " + rowBinaryBodies.size()
                + " POSTs of " + batch + " rows (" + number(rowBinaryBytes / rowBinaryBodies.size()) + " bytes each) to the engine's HTTP"
                + " interface from " + settings.ingestSenders() + " senders (JDK HttpClient), the query in the URL, the data in the body; "
                + "into the copy of the table, after " + number(warmRows.size()) + " rows of warm-up; stored rows "
                + (differing.isEmpty() ? "identical to the JDBC floor's (a hash of each column)"
                        : differing.equals(List.of("cost")) ? "identical to the JDBC floor's (a hash of each column) but for some costs in"
                                + " their last bit, equal to 8 decimals: the JDBC floor sends decimal text, which the engine's default"
                                + " float parser (precise_float_parsing = 0) reads 1 ULP off now and then; RowBinary carries the exact doubles"
                        : "**differ from the JDBC floor's in " + String.join(", ", differing) + "**"));
        // the same rows into the service's own table, where the rollup's views run on every insert: the floor the
        // service's inserts actually have (not a target; it says how much of the gap to the copy's floor is the views')
        String liveTable = settings.database() + ".ModelInferenceDetails";
        rowBinaryFloor(rowBinaryBatches(warmRows, batch), liveTable);
        long viewsStart = System.nanoTime();
        rowBinaryFloor(rowBinaryBodies, liveTable);
        double viewsSeconds = (System.nanoTime() - viewsStart) / 1e9;
        long viewsRows = count(floorProject);
        if (viewsRows != n) {
            throw new BenchException("the RowBinary floor into " + liveTable + " stored " + viewsRows + " rows of " + n);
        }
        double viewsRate = viewsRows / viewsSeconds;
        report.row("(5) engine floor with the rollup's views: INSERT … FORMAT RowBinary into ModelInferenceDetails (not a target)",
                number(viewsRate) + " events/s", number(viewsRows) + " rows in " + String.format(Locale.ROOT, "%.2f s", viewsSeconds)
                        + ": the same POSTs into the service's own table, whose materialized views feed the rollup on every insert"
                        + " (the service's inserts pay them too); " + String.format(Locale.ROOT, "%.2f", viewsRate / rowBinaryRate)
                        + " x the copy's floor" + (httpRate == null ? "" : String.format(Locale.ROOT, "; HTTP bulk ingest is %.2f x this floor",
                                httpRate / viewsRate)));
        // the rows of these projects stay until scripts/bench.sh deletes every row the run added (forget_bench_rows)
        scale.httpIngest(report, httpRate, jdbcRate, rowBinaryRate);
        scale.streamIngest(report, streamRate);
    }

    /** Inserts {@code events} into the floor table in PreparedStatement batches, from the configured senders. */
    private void jdbcFloor(List<Map<String, Object>> events, int batch, String jdbcUrl, Properties properties, AtomicInteger next)
            throws InterruptedException {
        int n = events.size();
        runSenders(() -> {
            try (Connection connection = DriverManager.getConnection(jdbcUrl, properties);
                    PreparedStatement insert = connection.prepareStatement("INSERT INTO bench_floor.ModelInferenceDetails ("
                            + FLOOR_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int from; (from = next.getAndAdd(batch)) < n; ) {
                    for (Map<String, Object> e : events.subList(from, Math.min(n, from + batch))) {
                        insert.setObject(1, UUID.fromString((String) e.get("inference_id")));
                        insert.setObject(2, UUID.fromString((String) e.get("project_id")));
                        insert.setObject(3, UUID.fromString((String) e.get("endpoint_id")));
                        insert.setObject(4, UUID.fromString((String) e.get("model_id")));
                        insert.setBoolean(5, (Boolean) e.get("is_success"));
                        insert.setObject(6, localTime((String) e.get("request_arrival_time")));
                        insert.setObject(7, localTime((String) e.get("request_forward_time")));
                        insert.setObject(8, e.get("cost"));
                        insert.setString(9, (String) e.get("request_ip"));
                        Object analysis = e.get("response_analysis");
                        insert.setString(10, analysis == null ? null : mapper.writeValueAsString(analysis));
                        insert.setInt(11, (Integer) e.get("status_code"));
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
            }
            return null;
        });
    }

    /** The copy of ModelInferenceDetails the floors write to: no view reads it. */
    private static final String FLOOR_TABLE = "bench_floor.ModelInferenceDetails";

    /** The columns both floors write, in this order (the RowBinary encoder writes them so). */
    static final String FLOOR_COLUMNS = "inference_id, project_id, endpoint_id, model_id, is_success, request_arrival_time, "
            + "request_forward_time, cost, request_ip, response_analysis, status_code";

    /** Cost rounded as the generator rounds it: equal where the engine's text parsing moved a value by its last bit. */
    private static final String COST_ROUNDED = "round(cost, 8)";

    /**
     * Per column of {@link #FLOOR_COLUMNS} (and {@link #COST_ROUNDED}), a hash of its values in the floor table, independent
     * of the rows' order.
     */
    private Map<String, String> floorFingerprint() throws IOException, InterruptedException {
        List<String> columns = new ArrayList<>(List.of(FLOOR_COLUMNS.split(", ")));
        columns.add(COST_ROUNDED);
        String[] sums = clickhouseText("SELECT " + String.join(", ", columns.stream().map(c -> "sum(cityHash64(toString(" + c + ")))").toList())
                + " FROM bench_floor.ModelInferenceDetails FORMAT TabSeparated").trim().split("\t");
        Map<String, String> fingerprint = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            fingerprint.put(columns.get(i), i < sums.length ? sums[i] : "");
        }
        return fingerprint;
    }

    private long floorCount() throws IOException, InterruptedException {
        return Long.parseLong(clickhouseText("SELECT count() FROM bench_floor.ModelInferenceDetails FORMAT TabSeparated").trim());
    }

    /**
     * POSTs each body (RowBinary rows of {@link #FLOOR_COLUMNS}) to the engine's HTTP interface, the INSERT in the URL, from
     * the configured senders, into {@code table}. JSON is sent as a string ({@code input_format_binary_read_json_as_string}).
     */
    private void rowBinaryFloor(List<byte[]> bodies, String table) throws InterruptedException {
        URI uri = URI.create(settings.clickhouseUrl() + "/?query=" + URLEncoder.encode("INSERT INTO " + table + " ("
                + FLOOR_COLUMNS + ") FORMAT RowBinary", StandardCharsets.UTF_8) + "&input_format_binary_read_json_as_string=1");
        AtomicInteger next = new AtomicInteger();
        runSenders(() -> {
            for (int i; (i = next.getAndIncrement()) < bodies.size(); ) {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i))).build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new BenchException("the engine answered " + response.statusCode() + " to INSERT … FORMAT RowBinary: "
                            + response.body().lines().findFirst().orElse(""));
                }
            }
            return null;
        });
    }

    /** {@code events} as RowBinary bodies of {@code batch} rows each. */
    private List<byte[]> rowBinaryBatches(List<Map<String, Object>> events, int batch) throws IOException {
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < events.size(); i += batch) {
            bodies.add(rowBinary(events.subList(i, Math.min(events.size(), i + batch)), mapper));
        }
        return bodies;
    }

    /**
     * Events as ClickHouse RowBinary rows of {@link #FLOOR_COLUMNS}: UUID as two little-endian UInt64 halves, the high one
     * first; Bool one byte; DateTime64(3) Int64 milliseconds, little-endian; Nullable(T) a byte (1: NULL) then T when not
     * NULL; Float64 little-endian; IPv6 its 16 bytes in network order (an IPv4 address as ::ffff:a.b.c.d, as the engine
     * reads it from text); JSON as a String (LEB128 length, UTF-8 bytes), for {@code input_format_binary_read_json_as_string=1};
     * UInt16 little-endian.
     */
    static byte[] rowBinary(List<Map<String, Object>> events, ObjectMapper mapper) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(events.size() * 160);
        ByteBuffer buffer = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map<String, Object> e : events) {
            for (String column : List.of("inference_id", "project_id", "endpoint_id", "model_id")) {
                UUID id = UUID.fromString((String) e.get(column));
                buffer.clear();
                buffer.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
                out.write(buffer.array(), 0, 16);
            }
            out.write((Boolean) e.get("is_success") ? 1 : 0);
            for (String column : List.of("request_arrival_time", "request_forward_time")) {
                buffer.clear();
                buffer.putLong(Instant.parse((String) e.get(column)).toEpochMilli());
                out.write(buffer.array(), 0, 8);
            }
            Number cost = (Number) e.get("cost");
            out.write(cost == null ? 1 : 0);
            if (cost != null) {
                buffer.clear();
                buffer.putDouble(cost.doubleValue());
                out.write(buffer.array(), 0, 8);
            }
            String ip = (String) e.get("request_ip");
            out.write(ip == null ? 1 : 0);
            if (ip != null) {
                out.write(ipv6(ip));
            }
            Object analysis = e.get("response_analysis");
            out.write(analysis == null ? 1 : 0);
            if (analysis != null) {
                byte[] json = mapper.writeValueAsBytes(analysis);
                for (long length = json.length; ; length >>>= 7) {
                    if (length < 0x80) {
                        out.write((int) length);
                        break;
                    }
                    out.write((int) (length & 0x7f) | 0x80);
                }
                out.write(json);
            }
            Integer status = (Integer) e.get("status_code");
            out.write(status == null ? 1 : 0);
            if (status != null) {
                out.write(status & 0xff);
                out.write((status >>> 8) & 0xff);
            }
        }
        return out.toByteArray();
    }

    /** An address literal (never a host name: nothing is looked up) as the 16 bytes of IPv6, IPv4 mapped to ::ffff:a.b.c.d. */
    private static byte[] ipv6(String literal) throws IOException {
        byte[] address = new byte[16];
        if (literal.indexOf(':') < 0) {
            String[] parts = literal.split("\\.");
            if (parts.length != 4) {
                throw new BenchException("not an IPv4 address: " + literal);
            }
            address[10] = (byte) 0xff;
            address[11] = (byte) 0xff;
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(parts[i]);
                if (part < 0 || part > 255) {
                    throw new BenchException("not an IPv4 address: " + literal);
                }
                address[12 + i] = (byte) part;
            }
            return address;
        }
        byte[] raw = InetAddress.getByName(literal).getAddress(); // a literal with ':' is parsed, never resolved
        if (raw.length == 4) {
            System.arraycopy(raw, 0, address, 12, 4);
            address[10] = (byte) 0xff;
            address[11] = (byte) 0xff;
            return address;
        }
        return raw;
    }

    /** What one HTTP bulk measurement sent and got back. */
    private record HttpRun(long inserted, double seconds, Map<String, AtomicInteger> failures, List<byte[]> bodies) {
    }

    /** Posts {@code events} as Dapr bulk deliveries of {@code batch} from the configured senders; timed from the first post. */
    private HttpRun sendBulks(List<Map<String, Object>> events, int batch) throws IOException, InterruptedException {
        int n = events.size();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i += batch) {
            bodies.add(bulk(events.subList(i, Math.min(n, i + batch))).getBytes(StandardCharsets.UTF_8));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong inserted = new AtomicLong();
        Map<String, AtomicInteger> failures = new TreeMap<>();
        long start = System.nanoTime();
        runSenders(() -> {
            try (PlainHttp connection = new PlainHttp(URI.create(settings.url()))) {
                for (int i; (i = next.getAndIncrement()) < bodies.size(); ) {
                    PlainHttp.Answer response = connection.post(ADD, bodies.get(i));
                    Matcher count = INSERTED.matcher(response.body());
                    if (response.status() != 200 || !count.find()) {
                        synchronized (failures) {
                            failures.computeIfAbsent("HTTP " + response.status(), k -> new AtomicInteger()).incrementAndGet();
                        }
                        continue;
                    }
                    inserted.addAndGet(Long.parseLong(count.group(1)));
                }
            }
            return null;
        });
        return new HttpRun(inserted.get(), (System.nanoTime() - start) / 1e9, failures, bodies);
    }

    private static LocalDateTime localTime(String iso) {
        return LocalDateTime.ofInstant(Instant.parse(iso), ZoneOffset.UTC);
    }

    private interface Sender {
        Void call() throws Exception;
    }

    private void runSenders(Sender sender) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(settings.ingestSenders());
        List<Future<Void>> futures = new ArrayList<>();
        for (int i = 0; i < settings.ingestSenders(); i++) {
            futures.add(pool.submit(sender::call));
        }
        try {
            for (Future<Void> future : futures) {
                future.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new BenchException("ingest sender failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * n events of one project, as a gateway publishes them live: arrived within the last minute (the service skips the
     * ClickHouse existence check for such events when Redis has no trace of them); {@code salt} keeps runs of the same
     * project apart.
     */
    /** What one stream measurement saw: rows stored, seconds from the first XADD, seconds the XADDs took. */
    private record StreamRun(long stored, double seconds, double published) {
    }

    /** XADDs {@code n} single-event CloudEvents of {@code project} and waits until their rows are stored. */
    private StreamRun streamRun(int n, UUID project, long salt) throws IOException, InterruptedException {
        List<Map<String, Object>> events = events(n, project, salt);
        List<byte[]> entries = new ArrayList<>(n);
        for (Map<String, Object> event : events) {
            entries.add(mapper.writeValueAsBytes(cloudEvent(event)));
        }
        long start = System.nanoTime();
        try (Resp redis = new Resp(settings.redisHost(), settings.redisPort())) {
            redis.xaddAll(settings.stream(), entries);
        }
        double published = (System.nanoTime() - start) / 1e9;
        long deadline = System.nanoTime() + Duration.ofSeconds(Math.max(60, n / 2000)).toNanos();
        long stored = 0;
        while (System.nanoTime() < deadline && (stored = count(project)) < n) {
            Thread.sleep(100);
        }
        return new StreamRun(stored, (System.nanoTime() - start) / 1e9, published);
    }

    private static List<Map<String, Object>> events(int n, UUID project, long salt) {
        return events(n, project, salt, 0);
    }

    /** As {@link #events(int, UUID, long)}, arrived {@code ageMillis} earlier. */
    private static List<Map<String, Object>> events(int n, UUID project, long salt, long ageMillis) {
        SplittableRandom random = new SplittableRandom(project.getLeastSignificantBits() ^ salt);
        UUID[] models = new UUID[5];
        UUID[] endpoints = new UUID[10];
        for (int i = 0; i < models.length; i++) {
            models[i] = new UUID(random.nextLong(), random.nextLong());
        }
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = new UUID(random.nextLong(), random.nextLong());
        }
        long now = System.currentTimeMillis();
        List<Map<String, Object>> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int e = random.nextInt(endpoints.length);
            long arrival = now - ageMillis - random.nextLong(60_000L);
            boolean success = random.nextInt(100) < 95;
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("inference_id", UUID.randomUUID().toString());
            event.put("project_id", project.toString());
            event.put("endpoint_id", endpoints[e].toString());
            event.put("model_id", models[e % models.length].toString());
            event.put("is_success", success);
            event.put("request_arrival_time", MILLIS.format(Instant.ofEpochMilli(arrival)));
            event.put("request_forward_time", MILLIS.format(Instant.ofEpochMilli(arrival + 1 + random.nextInt(100))));
            event.put("cost", success ? Math.round(random.nextDouble() * 1e6) / 1e8 : null);
            event.put("request_ip", "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254)));
            event.put("response_analysis", success && random.nextBoolean()
                    ? Map.of("sentiment", random.nextBoolean() ? "positive" : "neutral", "toxicity_score", random.nextInt(100) / 100.0) : null);
            event.put("status_code", success ? 200 : 500);
            events.add(event);
        }
        return events;
    }

    /** One event as the gateway publishes it: a CloudEvent of type add_observability_metrics carrying the event. */
    private static Map<String, Object> cloudEvent(Map<String, Object> event) {
        return ChaosEvents.cloudEvent(event, ChaosEvents.TYPE);
    }

    /** A Dapr bulk delivery (SPEC section 3) whose entries are CloudEvents carrying the events. */
    private String bulk(List<Map<String, Object>> events) throws IOException {
        return mapper.writeValueAsString(ChaosEvents.bulk(events, true));
    }

    private HttpResponse<String> post(String path, byte[] body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.url() + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private long count(UUID project) throws IOException, InterruptedException {
        return Long.parseLong(clickhouseText("SELECT count() FROM " + settings.database() + ".ModelInferenceDetails WHERE project_id = '"
                + project + "' FORMAT TabSeparated").trim());
    }

    private String clickhouseText(String sql) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.clickhouseUrl() + "/")).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new BenchException("ClickHouse answered " + response.statusCode() + ": " + response.body().lines().findFirst().orElse(""));
        }
        return response.body();
    }

    /** The consumer groups of the stream (XINFO GROUPS), or null when there is none. */
    private String redisStreamGroups() {
        try (Resp redis = new Resp(settings.redisHost(), settings.redisPort())) {
            return redis.groups(settings.stream());
        } catch (IOException e) {
            log.println("bench: Redis at " + settings.redisHost() + ":" + settings.redisPort() + " not reachable: " + e.getMessage());
            return null;
        }
    }

    // ---------------------------------------------------------------- statistics

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
