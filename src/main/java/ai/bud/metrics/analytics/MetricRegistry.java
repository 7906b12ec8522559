package ai.bud.metrics.analytics;

import static ai.bud.metrics.analytics.MetricField.alwaysNull;
import static ai.bud.metrics.analytics.MetricField.integer;
import static ai.bud.metrics.analytics.MetricField.nullableNumber;
import static ai.bud.metrics.analytics.MetricField.number;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The metrics of SPEC section 2, as data. Expressions aggregate the columns of the builder's {@code source} rows:
 * {@code arrival}, {@code forward}, {@code is_success} (ModelInferenceDetails), {@code input_tokens},
 * {@code output_tokens}, {@code response_time_ms}, {@code ttft_ms}, {@code cached}, {@code has_inference}
 * (ModelInference, left-joined: null/false/0 when the inference has no row), {@code same_second} (requests of the
 * series in the same arrival second within the bucket) and {@code same_second_in_range} (the same over the range).
 * Adding a metric is one entry in {@link #DEFINITIONS}.
 */
public final class MetricRegistry {

    private static final String QUEUING_MS = "toUnixTimestamp64Milli(forward) - toUnixTimestamp64Milli(arrival)";
    private static final String HAS_INFERENCE = "has_inference = 1";
    private static final String CACHED = "has_inference = 1 AND cached";

    static final String THROUGHPUT = "avgOrNullIf(toFloat64(assumeNotNull(output_tokens)) * 1000 / assumeNotNull(response_time_ms), "
            + "isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0)";

    private static final List<MetricDefinition> DEFINITIONS = List.of(
            new MetricDefinition("request_count",
                    List.of(integer("count", "count()"), alwaysNull("rate")),
                    "count", false, false, RankOrder.DESCENDING, "count()"),
            new MetricDefinition("success_request",
                    List.of(integer("count", "countIf(is_success)"), number("rate", "countIf(is_success) * 100 / count()")),
                    "count", false, false, RankOrder.DESCENDING, "countIf(is_success)"),
            new MetricDefinition("failure_request",
                    List.of(integer("count", "countIf(NOT is_success)"), number("rate", "countIf(NOT is_success) * 100 / count()")),
                    "count", false, false, RankOrder.DESCENDING, "countIf(NOT is_success)"),
            new MetricDefinition("queuing_time",
                    List.of(number("avg_time_ms", "avgOrNull(" + QUEUING_MS + ")")),
                    "avg_time_ms", false, false, RankOrder.ASCENDING, "avgOrNull(" + QUEUING_MS + ")"),
            new MetricDefinition("input_token",
                    List.of(integer("count", "sum(input_tokens)"), alwaysNull("rate")),
                    "count", true, false, RankOrder.DESCENDING, "sum(input_tokens)"),
            new MetricDefinition("output_token",
                    List.of(integer("count", "sum(output_tokens)"), alwaysNull("rate")),
                    "count", true, false, RankOrder.DESCENDING, "sum(output_tokens)"),
            new MetricDefinition("concurrent_requests",
                    List.of(number("avg", "if(max(same_second) > 1, max(same_second), 0)")),
                    "avg", false, true, RankOrder.DESCENDING, "if(max(same_second_in_range) > 1, max(same_second_in_range), 0)"),
            new MetricDefinition("ttft",
                    List.of(number("avg", "avgOrNull(ttft_ms)"),
                            nullableNumber("p95", "quantileExactInclusive(0.95)(ttft_ms)"),
                            nullableNumber("p99", "quantileExactInclusive(0.99)(ttft_ms)")),
                    "avg", true, false, RankOrder.ASCENDING, "avgOrNull(ttft_ms)"),
            new MetricDefinition("latency",
                    List.of(number("avg", "avgOrNull(response_time_ms)"),
                            nullableNumber("p95", "quantileExactInclusive(0.95)(response_time_ms)"),
                            nullableNumber("p99", "quantileExactInclusive(0.99)(response_time_ms)")),
                    "avg", true, false, RankOrder.ASCENDING, "avgOrNull(response_time_ms)"),
            new MetricDefinition("throughput",
                    List.of(number("avg", MetricRegistry.THROUGHPUT)),
                    "avg", true, false, RankOrder.DESCENDING, MetricRegistry.THROUGHPUT),
            new MetricDefinition("cache",
                    List.of(number("hit_rate", "if(countIf(" + HAS_INFERENCE + ") = 0, 0, countIf(" + CACHED + ") * 100 / countIf(" + HAS_INFERENCE + "))"),
                            integer("hit_count", "countIf(" + CACHED + ")"),
                            nullableNumber("avg_latency_ms", "avgOrNullIf(response_time_ms, " + CACHED + ")")),
                    "hit_rate", true, false, RankOrder.DESCENDING,
                    "if(countIf(" + HAS_INFERENCE + ") = 0, 0, countIf(" + CACHED + ") * 100 / countIf(" + HAS_INFERENCE + "))"));

    private static final Map<String, MetricDefinition> BY_NAME = index();

    private MetricRegistry() {
    }

    private static Map<String, MetricDefinition> index() {
        Map<String, MetricDefinition> map = new LinkedHashMap<>();
        DEFINITIONS.forEach(d -> map.put(d.name(), d));
        return Map.copyOf(map);
    }

    public static Optional<MetricDefinition> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static MetricDefinition get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown metric " + name));
    }

    public static List<MetricDefinition> all() {
        return DEFINITIONS;
    }

    public static String validNames() {
        return String.join(", ", DEFINITIONS.stream().map(MetricDefinition::name).toList());
    }
}
