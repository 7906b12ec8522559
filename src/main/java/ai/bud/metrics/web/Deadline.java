package ai.bud.metrics.web;

import java.time.Duration;

/**
 * One request's time budget (SPEC §6b): the wait for a query slot, the query and the answer all come out of it. It
 * starts when the request is read; each step takes what is left ({@link #remaining()}).
 *
 * @param budget       the whole budget ({@code ANALYTICS_DEADLINE_SECONDS})
 * @param startedNanos {@link System#nanoTime()} when the request was read
 */
public record Deadline(Duration budget, long startedNanos) {

    /** The exchange property that carries a request's deadline. */
    public static final String PROPERTY = "budmetrics.deadline";

    public static Deadline startingNow(Duration budget) {
        return new Deadline(budget, System.nanoTime());
    }

    /** What is left of the budget now (zero or negative once it has passed). */
    public Duration remaining() {
        return budget.minusNanos(System.nanoTime() - startedNanos);
    }

    public boolean passed() {
        return remaining().isNegative() || remaining().isZero();
    }
}
