package ai.bud.metrics.analytics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Builds the response records straight from the rows of {@link QueryBuilder}'s statement, which arrive ordered
 * (bucket newest first, then top-K rank, then ids as text). Applies the SPEC's delta rules: delta = value - previous
 * rounded to 2 decimals, delta_percent = rounded delta / previous * 100 rounded to 2 decimals, NaN 0, infinity ±100.
 */
public final class ResultShaper {

    private static final DateTimeFormatter PLAIN = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private static final DateTimeFormatter WITH_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private ResultShaper() {
    }

    public static AnalyticsResponse shape(ResultSet rows, AnalyticsRequest request) throws SQLException {
        List<MetricDefinition> metrics = request.metricDefinitions();
        List<AnalyticsResponse.Period> periods = new ArrayList<>();
        long currentBucket = Long.MIN_VALUE;
        List<AnalyticsResponse.Series> currentItems = null;
        while (rows.next()) {
            long bucket = rows.getLong("bucket");
            boolean hasData = rows.getInt("has_data") == 1;
            if (bucket != currentBucket || periods.isEmpty()) {
                currentBucket = bucket;
                currentItems = hasData ? new ArrayList<>() : null;
                periods.add(new AnalyticsResponse.Period(timePeriod(bucket, request.timezone()), currentItems));
            }
            if (hasData) {
                currentItems.add(series(rows, request, metrics));
            }
        }
        return AnalyticsResponse.of(periods.stream()
                .map(p -> new AnalyticsResponse.Period(p.timePeriod(), p.items() == null ? null : List.copyOf(p.items())))
                .toList());
    }

    private static AnalyticsResponse.Series series(ResultSet rows, AnalyticsRequest request, List<MetricDefinition> metrics)
            throws SQLException {
        UUID[] ids = new UUID[Dimension.values().length];
        for (Dimension key : request.groupBy()) {
            ids[key.ordinal()] = UUID.fromString(rows.getString(key.keyAlias()));
        }
        List<AnalyticsResponse.MetricValue> data = new ArrayList<>(metrics.size());
        for (MetricDefinition metric : metrics) {
            List<AnalyticsResponse.FieldValue> fields = new ArrayList<>(metric.fields().size());
            for (MetricField field : metric.fields()) {
                fields.add(new AnalyticsResponse.FieldValue(field.name(), read(rows, metric, field)));
            }
            Number delta = null;
            Double deltaPercent = null;
            if (request.returnDelta()) {
                MetricField primary = metric.primary();
                boolean integer = primary.kind() == MetricField.Kind.INTEGER;
                if (rows.getInt("has_previous") == 1) {
                    double value = rows.getDouble(metric.column(primary));
                    double previous = rows.getDouble(metric.previousColumn());
                    double rounded = round2(value - previous);
                    delta = integer ? (Number) (rows.getLong(metric.column(primary)) - rows.getLong(metric.previousColumn())) : rounded;
                    deltaPercent = percent(rounded, previous);
                } else {
                    delta = integer ? (Number) 0L : 0.0;
                    deltaPercent = 0.0;
                }
            }
            data.add(new AnalyticsResponse.MetricValue(metric.name(), List.copyOf(fields), delta, deltaPercent));
        }
        return new AnalyticsResponse.Series(ids[Dimension.MODEL.ordinal()], ids[Dimension.PROJECT.ordinal()],
                ids[Dimension.ENDPOINT.ordinal()], List.copyOf(data));
    }

    private static Number read(ResultSet rows, MetricDefinition metric, MetricField field) throws SQLException {
        return switch (field.kind()) {
            case ALWAYS_NULL -> null;
            case INTEGER -> rows.getLong(metric.column(field));
            case NUMBER -> rows.getDouble(metric.column(field));
            case NULLABLE_NUMBER -> {
                double value = rows.getDouble(metric.column(field));
                yield rows.wasNull() || Double.isNaN(value) ? null : value;
            }
        };
    }

    /** Bucket start as {@code YYYY-MM-DDTHH:MM:SS} in UTC, or local time plus {@code ±HH:MM} when a zone was given. */
    static String timePeriod(long epochMillis, ZoneId zone) {
        Instant start = Instant.ofEpochMilli(epochMillis);
        return zone == null ? PLAIN.format(start.atZone(java.time.ZoneOffset.UTC)) : WITH_OFFSET.format(start.atZone(zone));
    }

    /** Below this, {@code value * 100} is off by at most {@code 2^-22} (half an ulp of a number under {@code 2^31}). */
    private static final double FAST_LIMIT = 0x1p31;
    /** Distance from a tie beyond which that error cannot change the rounding. */
    private static final double TIE_MARGIN = 0x1p-20;

    /**
     * Half-even rounding of the exact binary value, as Python's {@code round(x, 2)} does. Fast path: the hundredths
     * {@code k = rint(value * 100)}, when {@code value * 100} is far enough from a tie that its rounding error cannot
     * matter; then {@code k / 100.0} is the double nearest the decimal {@code k/100} (one correctly rounded division),
     * which is what the exact path gives. Near a tie, and for large values, the exact path ({@link BigDecimal}).
     */
    static double round2(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return value;
        }
        if (value == Math.rint(value)) {
            return value + 0.0; // whole numbers round to themselves (and -0.0 to 0.0, as BigDecimal does)
        }
        double scaled = value * 100;
        if (Math.abs(scaled) < FAST_LIMIT) {
            double floor = Math.floor(scaled);
            double fraction = scaled - floor; // exact: both are doubles of the same binade or below
            if (Math.abs(fraction - 0.5) > TIE_MARGIN) {
                double hundredths = fraction < 0.5 ? floor : floor + 1;
                return hundredths / 100 + 0.0;
            }
        }
        return new BigDecimal(value).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    }

    static double percent(double roundedDelta, double previous) {
        double percent = roundedDelta / previous * 100;
        if (Double.isNaN(percent)) {
            return 0.0;
        }
        if (Double.isInfinite(percent)) {
            return percent > 0 ? 100.0 : -100.0;
        }
        return round2(percent);
    }
}
