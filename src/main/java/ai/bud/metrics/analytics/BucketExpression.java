package ai.bud.metrics.analytics;

/**
 * The bucket of an instant, and the list of every bucket of the range, as ClickHouse expressions. Both are epoch
 * milliseconds (Int64) of the bucket start, so the gap-filling list and the bucketing always agree (they are the
 * same formula). They refer to the query's constants {@code range_from}, {@code range_to}, {@code tz} and, for
 * aligned buckets, {@code bucket_millis} / {@code bucket_months} / {@code bucket_origin} (see {@link QueryBuilder}).
 * <ul>
 * <li>calendar: ClickHouse's {@code toStartOf…} in {@code tz} (week = Sunday, mode 0);</li>
 * <li>aligned hour/day/week: {@code from + floor((t - from) / len) * len}, a fixed length in milliseconds;</li>
 * <li>aligned month/quarter/year: the k-th start is {@code addMonths(from, k*m)} in {@code tz} (day clamped to the
 * month's end, counted from from_date each time, never chained); k is the month distance divided by m, minus one
 * when that start lies after t. ({@code toStartOfInterval(t, INTERVAL m MONTH, origin)} of ClickHouse 26.5 was
 * checked and puts 2024-02-29 10:00 in the bucket of 2024-01-31 for origin 2024-01-31, so it is not used.)</li>
 * </ul>
 */
final class BucketExpression {

    private BucketExpression() {
    }

    /** Bucket start (epoch ms) of the DateTime64 expression {@code t}. */
    static String bucketOf(AnalyticsRequest request, String t) {
        FrequencyUnit unit = request.frequencyUnit();
        if (request.aligned()) {
            if (unit.monthBased()) {
                return "toUnixTimestamp64Milli(addMonths(bucket_origin, " + monthIndex(t) + " * bucket_months))";
            }
            return "toUnixTimestamp64Milli(range_from) + intDiv(toUnixTimestamp64Milli(" + t
                    + ") - toUnixTimestamp64Milli(range_from), bucket_millis) * bucket_millis";
        }
        if (unit == FrequencyUnit.HOUR) {
            return "toInt64(toUnixTimestamp(toStartOfHour(" + t + ", tz))) * 1000";
        }
        return "toInt64(toUnixTimestamp(toDateTime(" + calendarDate(unit, t) + ", tz))) * 1000";
    }

    /** An array of every bucket start (epoch ms) from the bucket of range_from to the bucket of range_to. */
    static String allBuckets(AnalyticsRequest request) {
        FrequencyUnit unit = request.frequencyUnit();
        if (request.aligned()) {
            if (unit.monthBased()) {
                return "arrayMap(i -> toUnixTimestamp64Milli(addMonths(bucket_origin, i * bucket_months)), range(toUInt64("
                        + monthIndex("range_to") + ") + 1))";
            }
            return "arrayMap(i -> toUnixTimestamp64Milli(range_from) + i * bucket_millis, range(toUInt64(intDiv("
                    + "toUnixTimestamp64Milli(range_to) - toUnixTimestamp64Milli(range_from), bucket_millis)) + 1))";
        }
        if (unit == FrequencyUnit.HOUR) {
            String first = bucketOf(request, "range_from");
            String last = bucketOf(request, "range_to");
            return "arrayMap(i -> " + first + " + i * 3600000, range(toUInt64(intDiv(" + last + " - " + first + ", 3600000)) + 1))";
        }
        String first = calendarDate(unit, "range_from");
        String last = calendarDate(unit, "range_to");
        boolean byMonth = unit.monthBased();
        int step = byMonth ? unit.months() : (unit == FrequencyUnit.WEEK ? 7 : 1);
        String add = byMonth ? "addMonths" : "addDays";
        String diff = byMonth ? "'month'" : "'day'";
        return "arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(" + add + "(" + first + ", i * " + step + "), tz))) * 1000, "
                + "range(toUInt64(intDiv(dateDiff(" + diff + ", " + first + ", " + last + "), " + step + ")) + 1))";
    }

    private static String calendarDate(FrequencyUnit unit, String t) {
        return switch (unit) {
            case DAY -> "toDate(" + t + ", tz)";
            case WEEK -> "toStartOfWeek(" + t + ", 0, tz)";
            case MONTH -> "toStartOfMonth(" + t + ", tz)";
            case QUARTER -> "toStartOfQuarter(" + t + ", tz)";
            case YEAR -> "toStartOfYear(" + t + ", tz)";
            case HOUR -> throw new IllegalArgumentException("hour buckets are not dates");
        };
    }

    /** k of the aligned month bucket holding t: the largest k with addMonths(origin, k*m) <= t. */
    private static String monthIndex(String t) {
        String months = "(toInt64(toRelativeMonthNum(" + t + ", tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz)))";
        String k = "intDiv(" + months + ", bucket_months)";
        return "(" + k + " - toInt64(addMonths(bucket_origin, " + k + " * bucket_months) > " + t + "))";
    }
}
