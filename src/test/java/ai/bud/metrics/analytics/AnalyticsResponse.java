package ai.bud.metrics.analytics;

import java.util.List;
import java.util.UUID;

/** The 200 body of SPEC section 2, as records; {@link ResponseWriter} streams it to JSON. */
record AnalyticsResponse(String object, List<Period> items) {

    public AnalyticsResponse {
        items = List.copyOf(items);
    }

    static AnalyticsResponse of(List<Period> items) {
        return new AnalyticsResponse("observability_metrics", items);
    }

    /** One bucket: {@code items} null when the bucket has no data (gap filling). */
    public record Period(String timePeriod, List<Series> items) {
    }

    /** One series in a bucket: the ids it is grouped by (null for dimensions not grouped by) and its metrics. */
    public record Series(UUID modelId, UUID projectId, UUID endpointId, List<MetricValue> data) {
    }

    /** {@code data.<metric>}: its fields in order, then delta and delta_percent (null when return_delta is false). */
    public record MetricValue(String metric, List<FieldValue> fields, Number delta, Double deltaPercent) {
    }

    /** A field value: Long for JSON integers, Double for numbers, null. */
    public record FieldValue(String name, Number value) {
    }
}
