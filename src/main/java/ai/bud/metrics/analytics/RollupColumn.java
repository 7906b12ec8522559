package ai.bud.metrics.analytics;

/**
 * The partial sums a rollup-backed statement adds up per bucket and series: each column of the {@code InferenceRollup}
 * table (migrations 004/005), merged over its 15-minute grains ({@link #fromRollup}, over the alias {@code r}), or the
 * same partial sum over raw rows for the parts of the range the grains do not cover ({@link #fromRaw}, over the raw
 * {@code source} columns of {@link QueryBuilder}). The metrics' {@link MetricField#rollupExpression} combine them.
 */
enum RollupColumn {
    REQUESTS("requests", "sum(r.requests)", "count()", false),
    SUCCESSES("successes", "sum(r.successes)", "countIf(is_success)", false),
    QUEUING_MS("queuing_ms", "sum(r.queuing_ms)", "sum(toUnixTimestamp64Milli(forward) - toUnixTimestamp64Milli(arrival))", false),
    INFERENCES("inferences", "sum(r.inferences)", "countIf(has_inference = 1)", true),
    INPUT_TOKENS("input_tokens", "sum(r.input_tokens)", "sum(toUInt64(coalesce(input_tokens, 0)))", true),
    OUTPUT_TOKENS("output_tokens", "sum(r.output_tokens)", "sum(toUInt64(coalesce(output_tokens, 0)))", true),
    TTFT_MS_SUM("ttft_ms_sum", "sum(r.ttft_ms_sum)", "sum(toUInt64(coalesce(ttft_ms, 0)))", true),
    TTFT_MS_COUNT("ttft_ms_count", "sum(r.ttft_ms_count)", "count(ttft_ms)", true),
    TTFT_MS_HISTOGRAM("ttft_ms_histogram", "sumMap(r.ttft_ms_histogram)", LogHistogram.of("ttft_ms"), true),
    RESPONSE_MS_SUM("response_ms_sum", "sum(r.response_ms_sum)", "sum(toUInt64(coalesce(response_time_ms, 0)))", true),
    RESPONSE_MS_COUNT("response_ms_count", "sum(r.response_ms_count)", "count(response_time_ms)", true),
    RESPONSE_MS_HISTOGRAM("response_ms_histogram", "sumMap(r.response_ms_histogram)", LogHistogram.of("response_time_ms"), true),
    THROUGHPUT_SUM("throughput_sum", "sum(r.throughput_sum)", "sumIf(toFloat64(assumeNotNull(output_tokens)) * 1000 / "
            + "assumeNotNull(response_time_ms), isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0)", true),
    THROUGHPUT_COUNT("throughput_count", "sum(r.throughput_count)",
            "countIf(isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0)", true),
    CACHED("cached", "sum(r.cached)", "countIf(has_inference = 1 AND cached)", true),
    CACHED_RESPONSE_MS_SUM("cached_response_ms_sum", "sum(r.cached_response_ms_sum)",
            "sum(if(has_inference = 1 AND cached, toUInt64(coalesce(response_time_ms, 0)), 0))", true),
    CACHED_RESPONSE_MS_COUNT("cached_response_ms_count", "sum(r.cached_response_ms_count)",
            "countIf(isNotNull(response_time_ms) AND has_inference = 1 AND cached)", true);

    /** The relative accuracy of the percentile sketches ({@link LogHistogram}): a p95/p99 within 1 % of an order statistic next to it. */
    static final double SKETCH_ACCURACY = LogHistogram.ACCURACY;

    private final String column;
    private final String fromRollup;
    private final String fromRaw;
    private final boolean needsInference;

    RollupColumn(String column, String fromRollup, String fromRaw, boolean needsInference) {
        this.column = column;
        this.fromRollup = fromRollup;
        this.fromRaw = fromRaw;
        this.needsInference = needsInference;
    }

    /** True for a percentile sketch ({@link LogHistogram}), which {@code series} merges once under {@link #sketchAlias}. */
    boolean sketch() {
        return this == TTFT_MS_HISTOGRAM || this == RESPONSE_MS_HISTOGRAM;
    }

    /** The name of a sketch column's merged value in {@code series}. */
    static String sketchAlias(String column) {
        return column.replace("_histogram", "_sketch");
    }

    /** The column's name in InferenceRollup and in the statement's partial sums. */
    String column() {
        return column;
    }

    String fromRollup() {
        return fromRollup;
    }

    String fromRaw() {
        return fromRaw;
    }

    boolean needsInference() {
        return needsInference;
    }
}
