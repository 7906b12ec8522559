package ai.bud.metrics.analytics;

import java.time.Instant;

/**
 * How a request is answered: {@code source}, and for a rollup or mixed answer the whole 15-minute grains read from the
 * rollup, {@code [rollupFrom, rollupTo)}; the rest of {@code [from_date, to_date]} (its edges) is read from raw rows.
 * Within those grains, the whole UTC days {@code [dayFrom, dayTo)} are read from the daily tier (InferenceRollupDaily, or
 * InferenceRollupDailyByModel: {@link QueryBuilder#dailyTable}) when the request's buckets allow it (both null otherwise). {@code reason} says why raw rows answer alone (null otherwise).
 */
record RollupPlan(AnswerSource source, Instant rollupFrom, Instant rollupTo, Instant dayFrom, Instant dayTo, String reason) {

    static RollupPlan raw(String reason) {
        return new RollupPlan(AnswerSource.RAW, null, null, null, null, reason);
    }

    boolean usesRollup() {
        return source != AnswerSource.RAW;
    }

    boolean usesDays() {
        return dayFrom != null;
    }
}
