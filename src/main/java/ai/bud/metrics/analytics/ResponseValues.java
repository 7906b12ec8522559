package ai.bud.metrics.analytics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The values of the response that are computed in Java, not in SQL: a bucket's {@code time_period} text and the
 * SPEC's delta arithmetic (delta rounded to 2 decimals as Python's {@code round}, delta_percent = rounded delta /
 * previous * 100 rounded the same way, NaN 0, infinity ±100). Used by {@link RowJsonWriter}.
 */
final class ResponseValues {

    private static final DateTimeFormatter PLAIN = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private static final DateTimeFormatter WITH_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    private ResponseValues() {
    }

    /** Bucket start as {@code YYYY-MM-DDTHH:MM:SS} in UTC, or local time plus {@code ±HH:MM} when a zone was given. */
    static String timePeriod(long epochMillis, ZoneId zone) {
        Instant start = Instant.ofEpochMilli(epochMillis);
        return zone == null ? PLAIN.format(start.atZone(ZoneOffset.UTC)) : WITH_OFFSET.format(start.atZone(zone));
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
