package ai.bud.metrics.analytics;

import java.util.Arrays;
import java.util.Optional;

/**
 * Bucket unit. Hour/day/week have a fixed length when aligned to from_date; month/quarter/year are counted in
 * calendar months ({@link #months}).
 */
public enum FrequencyUnit {
    HOUR("hour", 3_600_000L, 0),
    DAY("day", 86_400_000L, 0),
    WEEK("week", 604_800_000L, 0),
    MONTH("month", 0, 1),
    QUARTER("quarter", 0, 3),
    YEAR("year", 0, 12);

    private final String apiName;
    private final long fixedMillis;
    private final int months;

    FrequencyUnit(String apiName, long fixedMillis, int months) {
        this.apiName = apiName;
        this.fixedMillis = fixedMillis;
        this.months = months;
    }

    public String apiName() {
        return apiName;
    }

    /** Length in milliseconds for hour/day/week, 0 for month-based units. */
    long fixedMillis() {
        return fixedMillis;
    }

    /** Calendar months per unit for month/quarter/year, 0 for fixed-length units. */
    int months() {
        return months;
    }

    boolean monthBased() {
        return months > 0;
    }

    static Optional<FrequencyUnit> byApiName(String name) {
        return Arrays.stream(values()).filter(u -> u.apiName.equals(name)).findFirst();
    }

    static String validNames() {
        return String.join(", ", Arrays.stream(values()).map(FrequencyUnit::apiName).toList());
    }
}
