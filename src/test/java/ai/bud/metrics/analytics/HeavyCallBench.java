package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.seed.SeedCommand;
import ai.bud.metrics.support.TestClickHouse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A bounded harness, not a test of speed: loads {@code -Danalytics.bench=N} inferences with the seeder's direct mode
 * into a database of its own and times issue 6's heavy reference call in the service's own code (the statement as
 * {@link AnalyticsQueryRunner} runs it, JSON written), alternately with the rows read by the service from the engine's
 * RowBinary ({@link BinaryRows}) and through the JDBC getters ({@link JdbcReference}), next to the same SQL sent straight
 * to the engine in that format (its parameters inlined as the engine substitutes them), and first the same call from raw
 * rows against the rollup (migrations 004/005, fed by the seeder's inserts through the views). It logs
 * figures and asserts nothing about time. Off unless the property is set:
 * {@code mvn -B -q test -Dtest=HeavyCallBench -Danalytics.bench=300000}.
 */
@EnabledIfSystemProperty(named = "analytics.bench", matches = "\\d+")
class HeavyCallBench {

    private static final String DATABASE = "heavy_call_bench";

    @Test
    void timesTheHeavyCall() throws Exception {
        int records = Integer.parseInt(System.getProperty("analytics.bench"));
        int runs = Integer.parseInt(System.getProperty("analytics.bench.runs", "7"));
        DataSource dataSource = TestClickHouse.database(DATABASE);
        int port = TestClickHouse.connector().port();
        long loadStart = System.nanoTime();
        ByteArrayOutputStream seedOut = new ByteArrayOutputStream();
        int exit = SeedCommand.run(new String[] {"--direct-db", "--clickhouse-url", "http://127.0.0.1:" + port, "--database", DATABASE,
                "--records", Integer.toString(records), "--days", "365", "--projects", "150", "--models", "20", "--seed", "20261129"},
                Map.of(), new PrintStream(seedOut, true, StandardCharsets.UTF_8), System.err);
        assertThat(exit).as(seedOut.toString(StandardCharsets.UTF_8)).isZero();
        log("loaded %,d inferences in %.1f s", records, (System.nanoTime() - loadStart) / 1e9);

        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        String body = "{\"metrics\": [\"concurrent_requests\"], \"from_date\": \"" + now.minusDays(365) + "\", \"to_date\": \"" + now
                + "\", \"frequency_unit\": \"day\", \"group_by\": [\"model\", \"project\", \"endpoint\"], \"return_delta\": true,"
                + " \"fill_time_gaps\": true, \"filters\": {}}";
        AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC()).parse(body.getBytes(StandardCharsets.UTF_8));
        SqlQuery query = new QueryBuilder(Clock.systemUTC(), 60).build(request);
        HttpClient http = HttpClient.newHttpClient();
        String inlined = JdbcReference.inline(query);

        log("load average before: %s", loadAverage());
        rawAgainstRollup(dataSource, request, query, runs);
        Map<Boolean, Map<String, List<Double>>> figures = Map.of(true, new java.util.LinkedHashMap<>(), false, new java.util.LinkedHashMap<>());
        List<Double> engine = new ArrayList<>();
        int size = 0;
        for (int i = -2; i < runs; i++) {
            for (boolean binary : new boolean[] {true, false}) {
                long start = System.nanoTime();
                long[] executed = {0};
                RowJsonWriter.Result result;
                if (binary) {
                    result = new AnalyticsQueryRunner(new EngineClient(dataSource)).runToJson(query, request,
                            () -> executed[0] = System.nanoTime());
                } else {
                    try (Connection connection = dataSource.getConnection();
                            Statement statement = connection.createStatement();
                            ResultSet rows = statement.executeQuery(inlined)) {
                        executed[0] = System.nanoTime();
                        result = JdbcReference.toBytes(rows, request);
                    }
                }
                long end = System.nanoTime();
                size = result.body().length;
                if (i >= 0) {
                    Map<String, List<Double>> f = figures.get(binary);
                    add(f, "total", end - start);
                    add(f, "execute", executed[0] - start);
                    add(f, "shape", result.timing().readNanos());
                    add(f, "serialize", result.timing().totalNanos() - result.timing().readNanos());
                }
            }
            long engineStart = System.nanoTime();
            long engineBytes = engine(http, port, inlined);
            if (i >= 0) {
                engine.add((System.nanoTime() - engineStart) / 1e6);
                log("run %d: binary %s | getters %s | engine RowBinary %.0f ms (%,d bytes)", i + 1, last(figures.get(true)),
                        last(figures.get(false)), engine.get(i), engineBytes);
            }
        }
        for (boolean binary : new boolean[] {true, false}) {
            Map<String, List<Double>> f = figures.get(binary);
            log("medians of %d, %s: total %.0f ms = execute %.0f + shape %.0f + serialize %.0f; engine %.0f ms; ratio %.2f;"
                    + " body %,d bytes", runs, binary ? "RowBinary read by the service" : "JDBC getters", median(f.get("total")),
                    median(f.get("execute")), median(f.get("shape")), median(f.get("serialize")), median(engine),
                    median(f.get("total")) / median(engine), size);
        }
        log("load average after: %s", loadAverage());
    }

    /** The same call answered from raw rows and from the rollup (as the service picks it), alternately; same body? */
    private static void rawAgainstRollup(DataSource dataSource, AnalyticsRequest request, SqlQuery raw, int runs) throws Exception {
        SqlQuery rollup = new QueryBuilder(Clock.systemUTC(), 60, false, true).build(request);
        AnalyticsQueryRunner runner = new AnalyticsQueryRunner(new EngineClient(dataSource));
        List<Double> rawMillis = new ArrayList<>();
        List<Double> rollupMillis = new ArrayList<>();
        byte[] rawBody = null;
        byte[] rollupBody = null;
        for (int i = -1; i < runs; i++) {
            long start = System.nanoTime();
            rawBody = runner.runToJson(raw, request, () -> { }).body();
            long middle = System.nanoTime();
            rollupBody = runner.runToJson(rollup, request, () -> { }).body();
            long end = System.nanoTime();
            if (i >= 0) {
                rawMillis.add((middle - start) / 1e6);
                rollupMillis.add((end - middle) / 1e6);
            }
        }
        log("raw rows vs rollup (%s): medians of %d, raw %.0f ms, rollup %.0f ms; bodies %s (%,d bytes)", rollup.source().label(),
                runs, median(rawMillis), median(rollupMillis), java.util.Arrays.equals(rawBody, rollupBody) ? "identical" : "DIFFER",
                rollupBody.length);
    }

    private static long engine(HttpClient http, int port, String sql) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .header("X-ClickHouse-Database", DATABASE)
                .header("X-ClickHouse-Format", "RowBinaryWithNamesAndTypes")
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long bytes = 0;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes += n;
            }
        }
        assertThat(response.statusCode()).isEqualTo(200);
        return bytes;
    }

    private static void add(Map<String, List<Double>> figures, String step, long nanos) {
        figures.computeIfAbsent(step, k -> new ArrayList<>()).add(nanos / 1e6);
    }

    private static String last(Map<String, List<Double>> figures) {
        StringBuilder out = new StringBuilder();
        figures.forEach((step, values) -> out.append(step).append(' ').append(Math.round(values.get(values.size() - 1))).append(' '));
        return out.toString().trim();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static void log(String format, Object... args) {
        System.out.println("heavy-call-bench: " + String.format(format, args));
    }
}
