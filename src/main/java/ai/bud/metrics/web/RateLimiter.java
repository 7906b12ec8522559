package ai.bud.metrics.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One token bucket per (rule, client), kept in a bounded Caffeine cache. A client idle long enough for its
 * bucket to be full again is forgotten (its next request starts a full bucket, the same answer).
 */
public final class RateLimiter {

    record Key(String rule, String client) {
    }

    private final Cache<Key, TokenBucket> buckets;
    private final LongSupplier nanoClock;

    public RateLimiter(long maxClients, Duration idleExpiry, LongSupplier nanoClock) {
        this.buckets = Caffeine.newBuilder().maximumSize(maxClients).expireAfterAccess(idleExpiry).build();
        this.nanoClock = nanoClock;
    }

    TokenBucket.Decision take(String rule, WebProperties.Limit limit, String client, long cost) {
        long now = nanoClock.getAsLong();
        TokenBucket bucket = buckets.get(new Key(rule, client), key -> new TokenBucket(limit.limit(), limit.period(), now));
        return bucket.take(cost, now);
    }
}
