package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The builder's SQL and bound parameters, pinned per case in src/test/resources/golden/NAME.sql (fixed clock).
 * After an intended change, regenerate with {@code mvn test -Dtest=QueryBuilderGoldenTest -Dgolden.update=true},
 * review the diff, and commit it. Whether the SQL is right is proven by AnalyticsEndToEndTest.
 */
class QueryBuilderGoldenTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-03-15T12:34:56.789Z"), ZoneOffset.UTC);
    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final String M = "\"00000000-0000-4000-8000-00000000000a\"";
    static final String P = "\"00000000-0000-4000-8000-00000000000b\"";
    static final String E = "\"00000000-0000-4000-8000-00000000000c\"";

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
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesGolden(String name, String body) throws IOException {
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(body.getBytes(StandardCharsets.UTF_8));
        SqlQuery query = new QueryBuilder(CLOCK).build(request);
        String actual = render(body, query);
        Path file = GOLDEN.resolve(name + ".sql");
        if (Boolean.getBoolean("golden.update") || !Files.exists(file)) {
            Files.writeString(file, actual);
            assertThat(Boolean.getBoolean("golden.update")).as("golden file " + file + " was missing; written, review and commit it").isTrue();
        }
        assertThat(actual).isEqualTo(Files.readString(file));
        assertThat(query.sql().chars().filter(c -> c == '?').count()).isEqualTo(query.params().size());
    }

    static String render(String body, SqlQuery query) {
        StringBuilder out = new StringBuilder();
        out.append("-- request: ").append(body).append('\n');
        out.append(query.sql()).append('\n');
        out.append("-- params:\n");
        for (int i = 0; i < query.params().size(); i++) {
            out.append("--   ").append(i + 1).append(": ").append(query.params().get(i)).append('\n');
        }
        return out.toString();
    }
}
