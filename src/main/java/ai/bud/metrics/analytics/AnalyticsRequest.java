package ai.bud.metrics.analytics;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A validated, normalized analytics request (SPEC section 2). Two requests that mean the same thing are equal, so
 * the record is the cache key: filter id lists are sorted and deduplicated, empty filters/group_by are empty
 * collections, times are truncated to milliseconds. {@code toDate} null means "now" (resolved when the query is
 * built); {@code timezone} null means UTC without an offset in {@code time_period}. {@code exactPercentiles}: p95/p99
 * from raw rows, never from the rollup's sketch (part of the key: the two answers may differ within the sketch's error).
 */
public record AnalyticsRequest(List<String> metrics, Instant fromDate, Instant toDate, FrequencyUnit frequencyUnit,
        Integer frequencyInterval, Map<Dimension, List<UUID>> filters, List<Dimension> groupBy, boolean returnDelta,
        boolean fillTimeGaps, Integer topk, ZoneId timezone, boolean exactPercentiles) {

    public AnalyticsRequest {
        metrics = List.copyOf(metrics);
        Objects.requireNonNull(fromDate, "fromDate");
        Objects.requireNonNull(frequencyUnit, "frequencyUnit");
        EnumMap<Dimension, List<UUID>> normalized = new EnumMap<>(Dimension.class);
        filters.forEach((dimension, ids) -> normalized.put(dimension, ids.stream().distinct().sorted(
                java.util.Comparator.comparing(UUID::toString)).toList()));
        filters = java.util.Collections.unmodifiableMap(normalized);
        groupBy = List.copyOf(groupBy);
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("metrics must not be empty");
        }
        if (topk != null && groupBy.isEmpty()) {
            throw new IllegalArgumentException("topk requires group_by");
        }
    }

    /** Buckets aligned to from_date (frequency_interval given) rather than calendar buckets. */
    public boolean aligned() {
        return frequencyInterval != null;
    }

    public ZoneId zone() {
        return timezone == null ? ZoneOffset.UTC : timezone;
    }

    /** The end of the range: to_date, or the clock's now when it was not given. */
    public Instant endAt(Clock clock) {
        return toDate != null ? toDate : clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    /** True when the range reaches the present (no to_date, or to_date not in the past): cache it briefly. */
    public boolean reachesPresent(Clock clock) {
        return toDate == null || !toDate.isBefore(clock.instant());
    }

    public List<MetricDefinition> metricDefinitions() {
        return metrics.stream().map(MetricRegistry::get).toList();
    }
}
