package ai.bud.metrics.web;

import java.time.Duration;

/**
 * {@code limit} tokens refilled evenly over {@code period}, starting full. A request of cost n is admitted
 * when the bucket holds min(n, limit) tokens and then takes all n, so a single request larger than the whole
 * limit (a big ingest batch) still passes once the bucket is full, and leaves a debt the client pays back
 * in time before its next request is admitted. Times are nanoTime-style readings passed in by the caller.
 */
final class TokenBucket {

    private final long limit;
    private final double nanosPerToken;
    private double tokens;
    private long updatedAt;

    TokenBucket(long limit, Duration period, long now) {
        this.limit = limit;
        this.nanosPerToken = (double) period.toNanos() / limit;
        this.tokens = limit;
        this.updatedAt = now;
    }

    /** What the bucket said about one request. Seconds are rounded up; remaining is rounded down and never negative. */
    record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {
    }

    synchronized Decision take(long cost, long now) {
        refill(now);
        double needed = Math.min(cost, limit);
        if (tokens >= needed) {
            tokens -= cost;
            return new Decision(true, limit, remaining(), secondsUntil(limit - tokens), 0);
        }
        return new Decision(false, limit, remaining(), secondsUntil(limit - tokens), Math.max(1, secondsUntil(needed - tokens)));
    }

    private void refill(long now) {
        long elapsed = now - updatedAt;
        if (elapsed > 0) {
            tokens = Math.min(limit, tokens + elapsed / nanosPerToken);
            updatedAt = now;
        }
    }

    private long remaining() {
        return Math.max(0, (long) Math.floor(tokens + 1e-9));
    }

    private long secondsUntil(double missingTokens) {
        if (missingTokens <= 1e-9) {
            return 0;
        }
        return (long) Math.ceil(missingTokens * nanosPerToken / 1_000_000_000d);
    }
}
