package ai.bud.metrics.analytics;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Decides per request whether the rollup (15-minute grains, migrations 004/005) can answer it. A grain can be given to
 * one bucket when no bucket boundary falls inside it, i.e. every boundary of the request's buckets lies on a multiple of
 * 15 minutes since the epoch; the {@link #REQUIREMENTS} say when that holds (and when the caller wants exact
 * percentiles), as data. Filters and group_by never stand in the way: project, model and endpoint are the rollup's key.
 * When the rollup can answer, the whole grains inside {@code [from_date, to_date]} come from it and the partial grains at
 * the two ends from raw rows (mixed), unless the range starts and ends on grain boundaries (rollup). Of those grains,
 * the whole UTC days come from the daily tier when every bucket boundary is a UTC midnight ({@link #DAILY_REQUIREMENTS}).
 */
final class RollupPlanner {

    static final long GRAIN_MILLIS = 15 * 60 * 1000L;
    private static final int GRAIN_SECONDS = 15 * 60;

    /** What must hold for the rollup to answer; the first one that does not names the reason raw rows answer. */
    record Requirement(String unmet, BiPredicate<AnalyticsRequest, Instant> holds) {
    }

    static final List<Requirement> REQUIREMENTS = List.of(
            new Requirement("exact_percentiles asks for percentiles from raw rows",
                    (request, end) -> !request.exactPercentiles() || request.metricDefinitions().stream().noneMatch(MetricDefinition::sketched)),
            new Requirement("aligned buckets start at from_date, which is not on a 15-minute boundary",
                    (request, end) -> !request.aligned() || Math.floorMod(request.fromDate().toEpochMilli(), GRAIN_MILLIS) == 0),
            new Requirement("the time zone has an offset that is not a multiple of 15 minutes within the range",
                    (request, end) -> offsetsOnGrain(request.zone().getRules(), request.fromDate(), end)),
            new Requirement("the range holds no whole 15-minute grain",
                    (request, end) -> ceilGrain(request.fromDate()) < floorGrain(end.toEpochMilli() + 1)));

    static final long DAY_MILLIS = 24 * 60 * 60 * 1000L;

    /** What must hold, beyond {@link #REQUIREMENTS}, for whole UTC days to be read from the daily tier. */
    static final List<Requirement> DAILY_REQUIREMENTS = List.of(
            new Requirement("hourly buckets", (request, end) -> request.frequencyUnit() != FrequencyUnit.HOUR),
            new Requirement("aligned buckets start at from_date, which is not a UTC midnight",
                    (request, end) -> !request.aligned() || Math.floorMod(request.fromDate().toEpochMilli(), DAY_MILLIS) == 0),
            new Requirement("the time zone's offset is not zero within the range",
                    (request, end) -> offsetsOn(request.zone().getRules(), request.fromDate(), end, 24 * 60 * 60)));

    private RollupPlanner() {
    }

    static RollupPlan plan(AnalyticsRequest request, Instant end) {
        for (Requirement requirement : REQUIREMENTS) {
            if (!requirement.holds().test(request, end)) {
                return RollupPlan.raw(requirement.unmet());
            }
        }
        long from = ceilGrain(request.fromDate());
        long to = floorGrain(end.toEpochMilli() + 1);
        boolean whole = from == request.fromDate().toEpochMilli() && to == end.toEpochMilli() + 1;
        AnswerSource source = whole ? AnswerSource.ROLLUP : AnswerSource.MIXED;
        long dayFrom = -Math.floorDiv(-from, DAY_MILLIS) * DAY_MILLIS;
        long dayTo = Math.floorDiv(to, DAY_MILLIS) * DAY_MILLIS;
        if (dayFrom < dayTo && DAILY_REQUIREMENTS.stream().allMatch(r -> r.holds().test(request, end))) {
            return new RollupPlan(source, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), Instant.ofEpochMilli(dayFrom),
                    Instant.ofEpochMilli(dayTo), null);
        }
        return new RollupPlan(source, Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), null, null, null);
    }

    /** Every offset the zone has between {@code from} and {@code end} is a whole number of 15-minute steps. */
    static boolean offsetsOnGrain(ZoneRules rules, Instant from, Instant end) {
        return offsetsOn(rules, from, end, GRAIN_SECONDS);
    }

    /** Every offset the zone has between {@code from} and {@code end} is a whole number of {@code stepSeconds}. */
    static boolean offsetsOn(ZoneRules rules, Instant from, Instant end, int stepSeconds) {
        if (!on(rules.getOffset(from), stepSeconds)) {
            return false;
        }
        for (ZoneOffsetTransition next = rules.nextTransition(from); next != null && !next.getInstant().isAfter(end);
                next = rules.nextTransition(next.getInstant())) {
            if (!on(next.getOffsetAfter(), stepSeconds)) {
                return false;
            }
        }
        return true;
    }

    private static boolean on(ZoneOffset offset, int stepSeconds) {
        return offset.getTotalSeconds() % stepSeconds == 0;
    }

    private static long ceilGrain(Instant instant) {
        return -Math.floorDiv(-instant.toEpochMilli(), GRAIN_MILLIS) * GRAIN_MILLIS;
    }

    private static long floorGrain(long millis) {
        return Math.floorDiv(millis, GRAIN_MILLIS) * GRAIN_MILLIS;
    }
}
