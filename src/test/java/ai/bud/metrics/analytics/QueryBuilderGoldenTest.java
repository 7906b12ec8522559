package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.support.TestClickHouse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The statement the service sends and its query parameters (names, types, values), pinned per case in
 * src/test/resources/golden/NAME.sql (fixed clock; the builder configured as the service configures it by default on the
 * embedded engine: {@code max_execution_time = 60}, materialized CTEs). The SQL is compared after ClickHouse's own
 * {@code formatQuery} on the embedded engine (so layout alone is no difference, and every golden statement parses), the
 * parameters as text; and each statement runs on the engine, whose answer {@link BinaryRows} must read (every column
 * type the builder produces). After an intended change, regenerate with
 * {@code mvn test -Dtest=QueryBuilderGoldenTest -Dgolden.update=true}, review the diff, and commit it. Whether the SQL
 * is right is proven by AnalyticsEndToEndTest. The same requests answered from the rollup are pinned in golden/rollup/
 * (whether they answer as raw rows do is proven by RollupParityTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryBuilderGoldenTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-03-15T12:34:56.789Z"), ZoneOffset.UTC);
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final String M = "\"00000000-0000-4000-8000-00000000000a\"";
    static final String P = "\"00000000-0000-4000-8000-00000000000b\"";
    static final String E = "\"00000000-0000-4000-8000-00000000000c\"";
    static final String PARAMS = "-- params:\n";

    private final EngineClient engine = new EngineClient(TestClickHouse.database("query_builder_golden"));

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (MetricDefinition metric : MetricRegistry.all()) {
            cases.add(Arguments.of("metric_" + metric.name(), "{\"metrics\":[\"" + metric.name() + "\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                    + "\"to_date\":\"2024-01-08T00:00:00Z\"}"));
        }
        for (String unit : List.of("hour", "day", "week", "month", "quarter", "year")) {
            cases.add(Arguments.of("calendar_" + unit, "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                    + "\"to_date\":\"2024-01-03T00:00:00Z\",\"frequency_unit\":\"" + unit + "\"}"));
            cases.add(Arguments.of("aligned_" + unit, "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-31T06:00:00Z\","
                    + "\"to_date\":\"2024-02-03T00:00:00Z\",\"frequency_unit\":\"" + unit + "\",\"frequency_interval\":2}"));
        }
        cases.add(Arguments.of("to_date_absent_uses_clock", "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-03-14T00:00:00\"}"));
        cases.add(Arguments.of("filters_one_and_list", "{\"metrics\":[\"request_count\",\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"filters\":{\"model\":" + M + ",\"project\":[" + P + "," + E + "]}}"));
        cases.add(Arguments.of("group_by_model_project", "{\"metrics\":[\"request_count\",\"concurrent_requests\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"group_by\":[\"model\",\"project\"]}"));
        cases.add(Arguments.of("group_by_endpoint_model", "{\"metrics\":[\"cache\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"group_by\":[\"endpoint\",\"model\"]}"));
        cases.add(Arguments.of("topk_tuple_desc", "{\"metrics\":[\"request_count\",\"ttft\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"group_by\":[\"project\",\"endpoint\"],\"topk\":5}"));
        cases.add(Arguments.of("topk_latency_asc", "{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"group_by\":[\"model\"],\"topk\":3}"));
        cases.add(Arguments.of("topk_concurrent", "{\"metrics\":[\"concurrent_requests\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"group_by\":[\"endpoint\"],\"topk\":2}"));
        cases.add(Arguments.of("no_delta", "{\"metrics\":[\"request_count\",\"throughput\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"return_delta\":false}"));
        cases.add(Arguments.of("no_fill", "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"fill_time_gaps\":false,\"group_by\":[\"model\"]}"));
        cases.add(Arguments.of("timezone_daily", "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00+05:30\","
                + "\"to_date\":\"2024-01-08T00:00:00Z\",\"timezone\":\"Asia/Kolkata\"}"));
        cases.add(Arguments.of("all_metrics", "{\"metrics\":[" + String.join(",", MetricRegistry.all().stream().map(m -> "\"" + m.name() + "\"").toList())
                + "],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-08T00:00:00Z\",\"group_by\":[\"model\"]}"));
        cases.add(Arguments.of(DAILY_PEAKS, DAILY_PEAKS_BODY));
        return cases.stream();
    }

    /** Whole days by the whole series: the rollup golden reads the days' busiest seconds from InferenceSecondCountsDaily. */
    static final String DAILY_PEAKS = "daily_concurrent_full_series";
    private static final String DAILY_PEAKS_BODY = "{\"metrics\":[\"concurrent_requests\"],\"from_date\":\"2024-01-01T00:00:00Z\","
            + "\"to_date\":\"2024-01-08T00:00:00Z\",\"frequency_unit\":\"day\",\"group_by\":[\"model\",\"project\",\"endpoint\"]}";

    /** On a cluster a table read FINAL merges each shard's rows apart: the days' peaks come from the per-second table there. */
    @Test
    void clusterReadsNoDailyPeaks() throws Exception {
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(DAILY_PEAKS_BODY.getBytes(StandardCharsets.UTF_8));
        String single = new QueryBuilder(CLOCK, 60, true, true, true).build(request).sql();
        String cluster = new QueryBuilder(CLOCK, 60, true, true, false).build(request).sql();
        assertThat(single).contains("FROM InferenceSecondCountsDaily AS s FINAL").contains("c.second < day_from");
        assertThat(cluster).doesNotContain("InferenceSecondCountsDaily").doesNotContain("FINAL")
                .contains("c.second >= rollup_from AND c.second < rollup_to");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesGolden(String name, String body) throws Exception {
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(body.getBytes(StandardCharsets.UTF_8));
        SqlQuery query = new QueryBuilder(CLOCK, 60, true).build(request);
        assertThat(query.source()).isEqualTo(AnswerSource.RAW);
        matches(GOLDEN.resolve(name + ".sql"), body, query);
    }

    /** The same requests answered from the rollup (golden/rollup/): every one of these shapes can be. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesRollupGolden(String name, String body) throws Exception {
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(body.getBytes(StandardCharsets.UTF_8));
        SqlQuery query = new QueryBuilder(CLOCK, 60, true, true).build(request);
        assertThat(query.source()).isNotEqualTo(AnswerSource.RAW);
        matches(GOLDEN.resolve("rollup").resolve(name + ".sql"), body, query);
    }

    private void matches(Path file, String body, SqlQuery query) throws Exception {
        String actual = render(body, query);
        if (Boolean.getBoolean("golden.update") || !Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual);
            assertThat(Boolean.getBoolean("golden.update")).as("golden file " + file + " was missing; written, review and commit it").isTrue();
        }
        String golden = Files.readString(file);
        assertThat(requestLine(actual)).isEqualTo(requestLine(golden));
        assertThat(formatted(sqlOf(actual))).isEqualTo(formatted(sqlOf(golden)));
        assertThat(paramsOf(actual)).isEqualTo(paramsOf(golden));
        assertThat(query.sql()).doesNotContain("?");
        for (Map.Entry<String, QueryParameter> parameter : query.params().entrySet()) {
            assertThat(query.sql()).as("the placeholder of " + parameter.getKey())
                    .contains(parameter.getValue().placeholder(parameter.getKey()));
        }
        readsEveryColumn(query);
    }

    /** The statement runs on the engine, and {@link BinaryRows} reads the type of every column of its answer. */
    private void readsEveryColumn(SqlQuery query) throws Exception {
        try (InputStream answer = engine.queryRowBinary(query.sql(), query.values())) {
            BinaryRows rows = BinaryRows.open(answer);
            while (rows.next()) {
                assertThat(rows.getLong(rows.findColumn("has_data"))).isIn(0L, 1L);
            }
        }
    }

    /** ClickHouse's own formatting of {@code sql} (its {@code formatQuery}, on the embedded engine). */
    private String formatted(String sql) throws Exception {
        try (InputStream answer = engine.queryRowBinary("SELECT formatQuery({sql:String}) AS formatted",
                Map.of("sql", QueryParameter.string(sql).value()))) {
            BinaryRows rows = BinaryRows.open(answer);
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }

    static String render(String body, SqlQuery query) {
        return "-- request: " + body + "\n" + query.sql() + "\n" + PARAMS + query.describeParams("--   ");
    }

    private static String requestLine(String golden) {
        return golden.substring(0, golden.indexOf('\n'));
    }

    private static String sqlOf(String golden) {
        return golden.substring(golden.indexOf('\n') + 1, golden.lastIndexOf(PARAMS));
    }

    private static String paramsOf(String golden) {
        return golden.substring(golden.lastIndexOf(PARAMS));
    }
}
