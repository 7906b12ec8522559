package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.clickhouse.Migrations;
import ai.bud.metrics.support.TestClickHouse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rollup answers as raw rows do, on the real engine: for every request shape of {@link QueryBuilderGoldenTest} (and a
 * few whose range ends inside a grain), the statement over the rollup and the statement over raw rows are run on the same
 * generated events ({@link EngineEvents}: 1 000 000 by default, {@code -Drollup.parity.rows=N}; on the shared 2-core
 * machine the class took 29 s at 1M rows with the load average near 10, of which 10 s to generate, backfill and feed them,
 * and 2-3 minutes at 200 000 rows with it near 28) and their JSON bodies compared. Counts, sums, means, maxima, concurrent_requests, rates and
 * deltas must be equal (doubles to 1e-9 relative, deltas to their 0.01 rounding); p95/p99 must lie within the sketch's
 * relative accuracy (1 %) of the order statistics at the percentile's position (x⌊r⌋·0.99 ≤ p ≤ x⌈r⌉·1.01, r = p·(n−1),
 * the exact statistics read from raw rows). Half of the events are stored before the rollup exists and reach it through
 * the migration's backfill (run twice: the second run must not count them again); the other half through the
 * materialized views, a third of them with the ModelInference row stored before the ModelInferenceDetails row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollupParityTest {

    private static final String DATABASE = "rollup_parity";
    private static final long ROWS = Long.getLong("rollup.parity.rows", 1_000_000);
    private static final Clock CLOCK = QueryBuilderGoldenTest.CLOCK;
    private static final String[] PERCENTILE_COLUMNS = {"ttft_ms", "response_time_ms"};
    private static final String[] LEVELS = {"0.95", "0.99"};

    private final ObjectMapper mapper = new ObjectMapper();
    private DataSource dataSource;
    private EngineClient engine;

    @BeforeAll
    void load() throws Exception {
        dataSource = TestClickHouse.database(DATABASE);
        engine = new EngineClient(dataSource);
        long started = System.nanoTime();
        long half = ROWS / 2;
        try (Connection connection = dataSource.getConnection()) {
            feed(connection, 0, half);
            dropRollups(connection);
            Migrations.load(DATABASE, true).apply(connection);
            Migrations.load(DATABASE, true).apply(connection);
            assertThat(longs(connection, "SELECT count() FROM RollupBackfill")).containsExactly(5L);
            feed(connection, half, ROWS - half);
        }
        System.out.printf("rollup-parity: %,d events generated, backfilled and fed in %.1f s%n", ROWS, (System.nanoTime() - started) / 1e9);
    }

    /**
     * A third of the ModelInference rows before their ModelInferenceDetails rows, the rest after; the Details rows in two
     * inserts, even events then odd ones, so that the two events of a pair (same series, same second) reach the per-second
     * tables in different parts, which the statements must add up.
     */
    private static void feed(Connection connection, long first, long count) throws SQLException {
        EngineEvents.insertInference(connection, first, count, "n % 3 = 0");
        EngineEvents.insertDetails(connection, first, count, "n % 2 = 0");
        EngineEvents.insertDetails(connection, first, count, "n % 2 = 1");
        EngineEvents.insertInference(connection, first, count, "n % 3 != 0");
    }

    static void dropRollups(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String view : List.of("InferenceRollupRequestsFromDetails", "InferenceRollupPairsOnDetails", "InferenceRollupPairsOnInference",
                    "InferenceRollupFromRequests", "InferenceSecondCountsFromRequests", "InferenceRollupFromPairs",
                    "InferenceRollupDailyFromRollup", "InferenceSecondCountsDailyFromRequests", "InferenceRollupDailyByModelFromDaily")) {
                statement.execute("DROP VIEW IF EXISTS " + view);
            }
            for (String table : List.of("InferenceRollup", "InferenceRollupDaily", "InferenceRollupDailyByModel", "InferenceSecondCounts",
                    "InferenceSecondCountsDaily",
                    "InferenceRollupRequests",
                    "InferenceRollupPairs", "RollupBackfill")) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    static Stream<Arguments> cases() {
        // the golden cases' filter ids become ids of the generated events (model 1, project 0, project 1)
        List<Arguments> cases = new ArrayList<>(QueryBuilderGoldenTest.cases().map(c -> Arguments.of(c.get()[0], ((String) c.get()[1])
                .replace(QueryBuilderGoldenTest.M, "\"00000000-0000-4000-8003-000000000001\"")
                .replace(QueryBuilderGoldenTest.P, "\"00000000-0000-4000-8001-000000000000\"")
                .replace(QueryBuilderGoldenTest.E, "\"00000000-0000-4000-8001-000000000001\""))).toList());
        String all = String.join(",", MetricRegistry.all().stream().map(m -> "\"" + m.name() + "\"").toList());
        cases.add(Arguments.of("edges_inside_grains", "{\"metrics\":[" + all + "],\"from_date\":\"2024-01-01T03:07:11.500Z\","
                + "\"to_date\":\"2024-01-09T17:52:03.250Z\",\"group_by\":[\"project\"]}"));
        cases.add(Arguments.of("edges_hourly_topk_concurrent", "{\"metrics\":[\"concurrent_requests\",\"request_count\"],"
                + "\"from_date\":\"2024-01-02T10:59:59.999Z\",\"to_date\":\"2024-01-03T20:00:00.001Z\",\"frequency_unit\":\"hour\","
                + "\"group_by\":[\"endpoint\",\"model\"],\"topk\":3}"));
        cases.add(Arguments.of("kathmandu_weeks", "{\"metrics\":[\"latency\",\"cache\",\"queuing_time\"],\"from_date\":\"2023-12-26T00:00:00Z\","
                + "\"to_date\":\"2024-03-10T00:00:00Z\",\"frequency_unit\":\"week\",\"timezone\":\"Asia/Kathmandu\",\"group_by\":[\"model\"]}"));
        cases.add(Arguments.of("daily_tier_weeks_with_edges", "{\"metrics\":[" + all + "],\"from_date\":\"2023-12-28T13:07:11.500Z\","
                + "\"to_date\":\"2024-02-03T08:52:03.250Z\",\"frequency_unit\":\"week\",\"group_by\":[\"model\"],\"topk\":3}"));
        cases.add(Arguments.of("aligned_from_midnight_2_days", "{\"metrics\":[\"latency\",\"request_count\",\"cache\"],"
                + "\"from_date\":\"2024-01-02T00:00:00Z\",\"to_date\":\"2024-01-20T10:15:00Z\",\"frequency_unit\":\"day\","
                + "\"frequency_interval\":2,\"group_by\":[\"endpoint\"]}"));
        cases.add(Arguments.of("aligned_3_days_filtered", "{\"metrics\":[\"ttft\",\"throughput\",\"output_token\"],\"from_date\":\"2024-01-05T08:45:00Z\","
                + "\"to_date\":\"2024-02-20T00:00:00Z\",\"frequency_unit\":\"day\",\"frequency_interval\":3,"
                + "\"filters\":{\"endpoint\":[\"00000000-0000-4000-8002-000000000001\",\"00000000-0000-4000-8002-000000000004\"]}}"));
        // top-K ranked by a metric of the details rows alone (rank_source: the tiers' sums and the edges' base rows),
        // with the edges most of the range, so that leaving them out of the ranking would keep other series
        cases.add(Arguments.of("rank_source_mostly_edges", "{\"metrics\":[\"request_count\",\"latency\"],"
                + "\"from_date\":\"2024-01-02T10:07:00Z\",\"to_date\":\"2024-01-02T10:44:59.999Z\",\"frequency_unit\":\"hour\","
                + "\"group_by\":[\"endpoint\"],\"topk\":2}"));
        cases.add(Arguments.of("rank_source_failures_days_with_edges", "{\"metrics\":[\"failure_request\",\"ttft\",\"latency\"],"
                + "\"from_date\":\"2023-12-28T13:07:11.500Z\",\"to_date\":\"2024-01-20T08:52:03.250Z\",\"frequency_unit\":\"day\","
                + "\"group_by\":[\"endpoint\"],\"topk\":3}"));
        cases.add(Arguments.of("rank_source_queuing_weeks", "{\"metrics\":[\"queuing_time\",\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-02-12T00:00:00Z\",\"frequency_unit\":\"week\",\"group_by\":[\"model\",\"project\"],\"topk\":4}"));
        // whole days of the busiest seconds from InferenceSecondCountsDaily (007): the series is its whole key
        // the daily tier by model (009): not grouped, filtered by model alone, edges inside grains and whole days
        cases.add(Arguments.of("daily_by_model_filtered", "{\"metrics\":[\"latency\",\"request_count\",\"ttft\"],"
                + "\"from_date\":\"2023-12-28T13:07:11.500Z\",\"to_date\":\"2024-02-03T08:52:03.250Z\",\"frequency_unit\":\"day\","
                + "\"filters\":{\"model\":[\"00000000-0000-4000-8003-000000000001\",\"00000000-0000-4000-8003-000000000002\"]}}"));
        cases.add(Arguments.of(DAILY_PEAKS, "{\"metrics\":[\"concurrent_requests\",\"request_count\"],\"from_date\":\"2023-12-28T13:07:11.500Z\","
                + "\"to_date\":\"2024-02-03T08:52:03.250Z\",\"frequency_unit\":\"day\",\"group_by\":[\"model\",\"project\",\"endpoint\"],"
                + "\"return_delta\":true}"));
        cases.add(Arguments.of("daily_peaks_weeks_filtered", "{\"metrics\":[\"concurrent_requests\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-03-01T00:00:00Z\",\"frequency_unit\":\"week\",\"group_by\":[\"endpoint\",\"project\",\"model\"],"
                + "\"filters\":{\"project\":[\"00000000-0000-4000-8001-000000000000\"]}}"));
        return cases.stream();
    }

    private static final String DAILY_PEAKS = "daily_peaks_full_series_with_edges";

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rollupAnswersAsRawRowsDo(String name, String body) throws Exception {
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(body.getBytes(StandardCharsets.UTF_8));
        SqlQuery raw = new QueryBuilder(CLOCK, 60, true, false).build(request);
        SqlQuery rollup = new QueryBuilder(CLOCK, 60, true, true).build(request);
        assertThat(raw.source()).isEqualTo(AnswerSource.RAW);
        assertThat(rollup.source()).as("every shape here can be answered from the rollup").isNotEqualTo(AnswerSource.RAW);
        JsonNode expected = run(raw, request);
        JsonNode actual = run(rollup, request);
        assertThat(expected.findValues("data")).as("the case must have data").isNotEmpty();
        if (raw.sql().contains("quantileExactInclusive")) {
            JsonNode lower = run(orderStatistic(raw, "floor"), request);
            JsonNode upper = run(orderStatistic(raw, "ceil"), request);
            List<String> outside = new ArrayList<>();
            checkPercentiles("$", expected, actual, lower, upper, outside);
            assertThat(outside).as(name + ": percentiles outside the sketch's 1 % of the order statistics").isEmpty();
        }
        assertThat(JsonComparison.differences(expected, actual)).as(name).isEmpty();
        if (name.startsWith("daily_peaks")) {
            assertThat(rollup.sql()).contains("FROM InferenceSecondCountsDaily AS s FINAL");
            assertThat(expected.findValues("concurrent_requests").stream().mapToDouble(v -> v.path("avg").asDouble()).max().orElse(0))
                    .as(name + ": some second must hold more than one request, or the peaks are not tested").isGreaterThanOrEqualTo(2);
        }
    }

    /**
     * A bounded harness, not a test of speed (off unless {@code -Drollup.bench=N}): the heavy reference call's shape
     * (concurrent_requests, daily, by model, project and endpoint, the whole range) and an all-metrics daily call by model,
     * N times each from raw rows and from the rollup, alternately; logs the medians, asserts only that the bodies agree.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "rollup.bench", matches = "\\d+")
    void timesRawRowsAgainstTheRollup() throws Exception {
        int runs = Integer.getInteger("rollup.bench");
        String all = String.join(",", MetricRegistry.all().stream().map(m -> "\"" + m.name() + "\"").toList());
        for (String body : List.of(
                "{\"metrics\":[\"concurrent_requests\"],\"from_date\":\"2023-12-25T00:00:00Z\",\"to_date\":\"2024-03-16T00:00:00Z\","
                        + "\"group_by\":[\"model\",\"project\",\"endpoint\"]}",
                "{\"metrics\":[" + all + "],\"from_date\":\"2023-12-25T00:00:00Z\",\"to_date\":\"2024-03-16T00:00:00Z\",\"group_by\":[\"model\"]}")) {
            AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(body.getBytes(StandardCharsets.UTF_8));
            SqlQuery raw = new QueryBuilder(CLOCK, 60, true, false).build(request);
            SqlQuery rollup = new QueryBuilder(CLOCK, 60, true, true).build(request);
            List<Long> rawMillis = new ArrayList<>();
            List<Long> rollupMillis = new ArrayList<>();
            for (int i = -1; i < runs; i++) {
                long start = System.nanoTime();
                JsonNode expected = run(raw, request);
                long middle = System.nanoTime();
                JsonNode actual = run(rollup, request);
                long end = System.nanoTime();
                if (i >= 0) {
                    rawMillis.add((middle - start) / 1_000_000);
                    rollupMillis.add((end - middle) / 1_000_000);
                }
                assertThat(expected.findValues("data")).isNotEmpty();
            }
            System.out.printf("rollup-bench: %,d events, %s: raw rows median %d ms, rollup (%s) median %d ms, of %d; %s%n", ROWS,
                    body.substring(0, Math.min(60, body.length())), rawMillis.stream().sorted().toList().get(runs / 2), rollup.source().label(),
                    rollupMillis.stream().sorted().toList().get(runs / 2), runs, loadAverage());
        }
    }

    private static String loadAverage() {
        try {
            return "load average " + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "load average unknown";
        }
    }

    /**
     * Rows stored after the migration reach the rollup in either order: its totals equal those of the raw rows after
     * events whose ModelInferenceDetails row came first, and again after events whose ModelInference row came first.
     */
    @Test
    void rowsStoredAfterTheMigrationReachTheRollupInEitherOrder() throws Exception {
        DataSource fresh = TestClickHouse.database("rollup_feed");
        String rollup = "SELECT sum(requests), sum(successes), sum(queuing_ms), sum(inferences), sum(input_tokens), sum(output_tokens),"
                + " sum(ttft_ms_count), sum(response_ms_sum), sum(cached), round(sum(throughput_sum), 6) FROM InferenceRollup";
        String rawRows = "SELECT count(), countIf(d.is_success), sum(toUnixTimestamp64Milli(d.request_forward_time)"
                + " - toUnixTimestamp64Milli(d.request_arrival_time)), countIf(i.inference_id IS NOT NULL), sum(i.input_tokens),"
                + " sum(i.output_tokens), count(i.ttft_ms), sum(i.response_time_ms), countIf(i.cached),"
                + " round(sumIf(i.output_tokens * 1000 / i.response_time_ms, i.output_tokens IS NOT NULL AND i.response_time_ms > 0), 6)"
                + " FROM ModelInferenceDetails AS d LEFT JOIN ModelInference AS i ON i.inference_id = d.inference_id SETTINGS join_use_nulls = 1";
        try (Connection connection = fresh.getConnection()) {
            EngineEvents.insertDetails(connection, 0, 3000);
            assertThat(longs(connection, "SELECT sum(inferences) FROM InferenceRollup")).containsExactly(0L);
            EngineEvents.insertInference(connection, 0, 3000, "1");
            assertThat(longs(connection, "SELECT sum(inferences) FROM InferenceRollup")).containsExactly(
                    longs(connection, "SELECT count() FROM ModelInference").get(0)).doesNotContain(0L);
            assertThat(text(connection, rollup)).isEqualTo(text(connection, rawRows));

            EngineEvents.insertInference(connection, 3000, 3000, "1");
            EngineEvents.insertDetails(connection, 3000, 3000);
            assertThat(text(connection, rollup)).isEqualTo(text(connection, rawRows));
            // the daily tier (006) holds what reached the 15-minute rollup, whichever view fed it
            assertThat(text(connection, rollup.replace("FROM InferenceRollup", "FROM InferenceRollupDaily"))).isEqualTo(text(connection, rawRows));
            // and the daily tier by model (009) what reached the daily tier
            assertThat(text(connection, rollup.replace("FROM InferenceRollup", "FROM InferenceRollupDailyByModel")))
                    .isEqualTo(text(connection, rawRows));
            String perModelDay = "SELECT model_id, toStartOfDay(grain, 'UTC') AS day, sum(requests), sum(response_ms_sum),"
                    + " toString(sumMap(response_ms_histogram)) FROM %s GROUP BY model_id, day ORDER BY model_id, day";
            assertThat(text(connection, perModelDay.formatted("InferenceRollupDailyByModel")))
                    .isEqualTo(text(connection, perModelDay.formatted("InferenceRollup")));
            assertThat(longs(connection, "SELECT sum(requests) FROM InferenceSecondCounts")).containsExactly(6000L);
            // the per-day maps (007) hold each second's requests as the per-second table does
            String perSecond = "SELECT project_id, model_id, endpoint_id, second, sum(requests) AS n FROM InferenceSecondCounts"
                    + " GROUP BY ALL HAVING n > 0 ORDER BY ALL";
            String fromMaps = "SELECT project_id, model_id, endpoint_id, grain + k AS second, n FROM InferenceSecondCountsDaily FINAL"
                    + " ARRAY JOIN second_counts.1 AS k, second_counts.2 AS n ORDER BY ALL";
            assertThat(text(connection, fromMaps)).isEqualTo(text(connection, perSecond));
        }
    }

    /**
     * The raw statement with each exact percentile replaced by the order statistic at ⌊r⌋ or ⌈r⌉ (r = p·(n−1), 0-based),
     * from the same rows.
     */
    private static SqlQuery orderStatistic(SqlQuery raw, String rounding) {
        String sql = raw.sql();
        for (String column : PERCENTILE_COLUMNS) {
            for (String level : LEVELS) {
                String exact = "quantileExactInclusive(" + level + ")(" + column + ")";
                sql = sql.replace(exact, "arrayElement(arraySort(groupArray(" + column + ")), toUInt64(" + rounding + "(" + level
                        + " * (greatest(count(" + column + "), 1) - 1))) + 1)");
            }
        }
        assertThat(sql).doesNotContain("quantileExactInclusive");
        return new SqlQuery(sql, raw.params());
    }

    private static void checkPercentiles(String path, JsonNode expected, JsonNode actual, JsonNode lower, JsonNode upper,
            List<String> outside) {
        if (expected == null || actual == null || expected.isNull()) {
            return;
        }
        if (expected.isObject()) {
            for (var names = expected.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                if ((field.equals("p95") || field.equals("p99")) && expected.get(field).isNumber()) {
                    double value = actual.get(field).asDouble();
                    double low = lower.get(field).asDouble() * (1 - RollupColumn.SKETCH_ACCURACY);
                    double high = upper.get(field).asDouble() * (1 + RollupColumn.SKETCH_ACCURACY);
                    if (value < low - 1e-9 || value > high + 1e-9) {
                        outside.add(path + "." + field + ": " + value + " not in [" + low + ", " + high + "] (exact " + expected.get(field) + ")");
                    }
                    ((ObjectNode) actual).set(field, expected.get(field));
                } else {
                    checkPercentiles(path + "." + field, expected.get(field), actual.get(field), lower.get(field), upper.get(field), outside);
                }
            }
        } else if (expected.isArray()) {
            for (int i = 0; i < expected.size(); i++) {
                checkPercentiles(path + "[" + i + "]", expected.get(i), actual.get(i), lower.get(i), upper.get(i), outside);
            }
        }
    }

    private JsonNode run(SqlQuery query, AnalyticsRequest request) throws Exception {
        return mapper.readTree(new AnalyticsQueryRunner(engine).runToJson(query, request, () -> { }).body());
    }

    private static List<Long> longs(Connection connection, String sql) throws SQLException {
        List<Long> values = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getLong(1));
            }
        }
        return values;
    }

    private static String text(Connection connection, String sql) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                    out.append(rows.getString(i)).append('\t');
                }
            }
        }
        return out.toString();
    }
}
