package ai.bud.metrics.components.redisstream;

import java.time.Duration;

/**
 * When one stream consumer retries the entries it holds (read, not stored, still pending), and whether it may take
 * new ones meanwhile. Plain state for one consumer thread, driven by the outcome of each attempt and a clock in
 * nanoseconds ({@link System#nanoTime()}).
 *
 * <p>Held entries are retried after {@code first}, doubling up to {@code max} while retries store nothing, and
 * after {@code first} again as soon as anything is stored (storage works: what still fails, fails on its own, and
 * should reach the delivery limit soon). New entries are taken while fewer than {@code bound} are held, so a few
 * failing entries never hold the ones behind them, while a whole failing batch (storage down) stops the reading
 * and the backlog waits in the stream.
 */
final class RetrySchedule {

    /** What one attempt left: entries still pending (failed, not dead-lettered) and whether anything was acknowledged. */
    record Attempt(int failed, boolean progress) {
    }

    private final Duration first;
    private final Duration max;
    private final int bound;
    private Duration backoff;
    private int held = -1; // unknown (at start, after an error): the own pending entries are read again first
    private long retryAt;

    RetrySchedule(Duration first, Duration max, int bound, long now) {
        this.first = first;
        this.max = max;
        this.bound = bound;
        this.backoff = first;
        this.retryAt = now;
    }

    /** Whether the held entries (or, when unknown, the own pending entries) are due to be read again. */
    boolean retryDue(long now) {
        return held != 0 && now - retryAt >= 0;
    }

    /** Whether new entries may be read: fewer than a batch's worth of entries are held. */
    boolean mayReadNew() {
        return held < bound;
    }

    long nanosUntilRetry(long now) {
        return held == 0 ? Long.MAX_VALUE : Math.max(0, retryAt - now);
    }

    /** After the held entries were read again and processed. */
    void retried(Attempt round, long now) {
        held = round.failed();
        backoff = round.progress() || held == 0 ? first : doubled(backoff);
        retryAt = now + backoff.toNanos();
    }

    /** After new (or claimed) entries were processed. */
    void processed(Attempt attempt, long now) {
        if (attempt.progress()) {
            backoff = first;
            if (held > 0 && retryAt - (now + first.toNanos()) > 0) {
                retryAt = now + first.toNanos();
            }
        }
        if (attempt.failed() > 0 && held >= 0) {
            if (held == 0) {
                retryAt = now + backoff.toNanos();
            }
            held += attempt.failed();
        }
    }

    /** After an error outside the entries (Redis unreachable …): the pause to take; then everything is read again. */
    Duration failed(long now) {
        Duration pause = backoff;
        held = -1;
        retryAt = now + pause.toNanos();
        backoff = doubled(backoff);
        return pause;
    }

    int held() {
        return held;
    }

    Duration backoff() {
        return backoff;
    }

    private Duration doubled(Duration current) {
        Duration doubled = current.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }
}
