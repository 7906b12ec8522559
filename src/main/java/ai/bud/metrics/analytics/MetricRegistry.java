package ai.bud.metrics.analytics;

import static ai.bud.metrics.analytics.MetricField.alwaysNull;
import static ai.bud.metrics.analytics.MetricField.integer;
import static ai.bud.metrics.analytics.MetricField.nullableNumber;
import static ai.bud.metrics.analytics.MetricField.number;
import static ai.bud.metrics.analytics.MetricField.percentile;

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

    // the same values over the rollup's partial sums (RollupColumn); a mean is a sum over a count, null without inputs
    private static final String R_FAILURES = "(sum(requests) - sum(successes))";
    private static final String R_QUEUING = "sum(queuing_ms) / nullIf(sum(requests), 0)";
    private static final String R_THROUGHPUT = "sum(throughput_sum) / nullIf(sum(throughput_count), 0)";
    private static final String R_HIT_RATE = "if(sum(inferences) = 0, 0, sum(cached) * 100 / sum(inferences))";
    private static final String CONCURRENT = "if(max(same_second) > 1, max(same_second), 0)";
    private static final String CONCURRENT_IN_RANGE = "if(max(same_second_in_range) > 1, max(same_second_in_range), 0)";

    private static final List<MetricDefinition> DEFINITIONS = List.of(
            new MetricDefinition("request_count",
                    List.of(integer("count", "count()", "sum(requests)"), alwaysNull("rate")),
                    "count", false, false, RankOrder.DESCENDING, "count()", "sum(requests)", List.of(RollupColumn.REQUESTS)),
            new MetricDefinition("success_request",
                    List.of(integer("count", "countIf(is_success)", "sum(successes)"),
                            number("rate", "countIf(is_success) * 100 / count()", "sum(successes) * 100 / sum(requests)")),
                    "count", false, false, RankOrder.DESCENDING, "countIf(is_success)", "sum(successes)",
                    List.of(RollupColumn.REQUESTS, RollupColumn.SUCCESSES)),
            new MetricDefinition("failure_request",
                    List.of(integer("count", "countIf(NOT is_success)", R_FAILURES),
                            number("rate", "countIf(NOT is_success) * 100 / count()", R_FAILURES + " * 100 / sum(requests)")),
                    "count", false, false, RankOrder.DESCENDING, "countIf(NOT is_success)", R_FAILURES,
                    List.of(RollupColumn.REQUESTS, RollupColumn.SUCCESSES)),
            new MetricDefinition("queuing_time",
                    List.of(number("avg_time_ms", "avgOrNull(" + QUEUING_MS + ")", R_QUEUING)),
                    "avg_time_ms", false, false, RankOrder.ASCENDING, "avgOrNull(" + QUEUING_MS + ")", R_QUEUING,
                    List.of(RollupColumn.REQUESTS, RollupColumn.QUEUING_MS)),
            new MetricDefinition("input_token",
                    List.of(integer("count", "sum(input_tokens)", "sum(input_tokens)"), alwaysNull("rate")),
                    "count", true, false, RankOrder.DESCENDING, "sum(input_tokens)", "sum(input_tokens)",
                    List.of(RollupColumn.INPUT_TOKENS)),
            new MetricDefinition("output_token",
                    List.of(integer("count", "sum(output_tokens)", "sum(output_tokens)"), alwaysNull("rate")),
                    "count", true, false, RankOrder.DESCENDING, "sum(output_tokens)", "sum(output_tokens)",
                    List.of(RollupColumn.OUTPUT_TOKENS)),
            new MetricDefinition("concurrent_requests",
                    List.of(number("avg", CONCURRENT, CONCURRENT)),
                    "avg", false, true, RankOrder.DESCENDING, CONCURRENT_IN_RANGE, CONCURRENT_IN_RANGE, List.of()),
            percentiles("ttft", "ttft_ms", "ttft_ms",
                    List.of(RollupColumn.TTFT_MS_SUM, RollupColumn.TTFT_MS_COUNT, RollupColumn.TTFT_MS_HISTOGRAM)),
            percentiles("latency", "response_time_ms", "response_ms",
                    List.of(RollupColumn.RESPONSE_MS_SUM, RollupColumn.RESPONSE_MS_COUNT, RollupColumn.RESPONSE_MS_HISTOGRAM)),
            new MetricDefinition("throughput",
                    List.of(number("avg", MetricRegistry.THROUGHPUT, R_THROUGHPUT)),
                    "avg", true, false, RankOrder.DESCENDING, MetricRegistry.THROUGHPUT, R_THROUGHPUT,
                    List.of(RollupColumn.THROUGHPUT_SUM, RollupColumn.THROUGHPUT_COUNT)),
            new MetricDefinition("cache",
                    List.of(number("hit_rate", "if(countIf(" + HAS_INFERENCE + ") = 0, 0, countIf(" + CACHED + ") * 100 / countIf(" + HAS_INFERENCE + "))",
                                    R_HIT_RATE),
                            integer("hit_count", "countIf(" + CACHED + ")", "sum(cached)"),
                            nullableNumber("avg_latency_ms", "avgOrNullIf(response_time_ms, " + CACHED + ")",
                                    "sum(cached_response_ms_sum) / nullIf(sum(cached_response_ms_count), 0)")),
                    "hit_rate", true, false, RankOrder.DESCENDING,
                    "if(countIf(" + HAS_INFERENCE + ") = 0, 0, countIf(" + CACHED + ") * 100 / countIf(" + HAS_INFERENCE + "))", R_HIT_RATE,
                    List.of(RollupColumn.INFERENCES, RollupColumn.CACHED, RollupColumn.CACHED_RESPONSE_MS_SUM,
                            RollupColumn.CACHED_RESPONSE_MS_COUNT)));

    /**
     * ttft and latency: mean, p95 and p99 of a ModelInference column; exact percentiles over raw rows, the rollup's
     * log-histogram sketch ({@link LogHistogram}; prefix {@code rollup}: its {@code _sum}, {@code _count} and
     * {@code _histogram} columns) otherwise.
     */
    private static MetricDefinition percentiles(String name, String rawColumn, String rollup, List<RollupColumn> inputs) {
        String mean = "sum(" + rollup + "_sum) / nullIf(sum(" + rollup + "_count), 0)";
        String sketch = RollupColumn.sketchAlias(rollup + "_histogram");
        return new MetricDefinition(name,
                List.of(number("avg", "avgOrNull(" + rawColumn + ")", mean),
                        percentile("p95", "quantileExactInclusive(0.95)(" + rawColumn + ")", sketch, 0.95),
                        percentile("p99", "quantileExactInclusive(0.99)(" + rawColumn + ")", sketch, 0.99)),
                "avg", true, false, RankOrder.ASCENDING, "avgOrNull(" + rawColumn + ")", mean, inputs);
    }

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
