package ai.bud.metrics.analytics;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * The two result caches of routes/analytics.camel.yaml, as beans: camel-caffeine looks a cache up in the registry by
 * its name ({@code caffeine-cache:analytics-live}) before creating one, so these carry the TTL and size settings and
 * record statistics, which Micrometer publishes ({@code cache_gets_total{cache="analytics-live",result="hit"}},
 * {@code cache_size}, {@code cache_evictions_total}, … on /prometheus).
 */
@Configuration
class AnalyticsCacheConfiguration {

    static final String LIVE = "analytics-live";
    static final String HISTORY = "analytics-history";

    @Bean(LIVE)
    Cache<Object, Object> analyticsLiveCache(
            @Value("${budmetrics.analytics.cache.live-ttl-seconds:10}") long ttlSeconds,
            @Value("${budmetrics.analytics.cache.maximum-size:1000}") long maximumSize,
            @Value("${budmetrics.analytics.cache.maximum-bytes:256MB}") DataSize maximumBytes,
            ObjectProvider<MeterRegistry> meters) {
        return monitored(LIVE, ttlSeconds, maximumSize, maximumBytes, meters);
    }

    @Bean(HISTORY)
    Cache<Object, Object> analyticsHistoryCache(
            @Value("${budmetrics.analytics.cache.history-ttl-seconds:600}") long ttlSeconds,
            @Value("${budmetrics.analytics.cache.maximum-size:1000}") long maximumSize,
            @Value("${budmetrics.analytics.cache.maximum-bytes:256MB}") DataSize maximumBytes,
            ObjectProvider<MeterRegistry> meters) {
        return monitored(HISTORY, ttlSeconds, maximumSize, maximumBytes, meters);
    }

    /**
     * Bounded by weight: an entry weighs its body's bytes divided by the average allowed per entry
     * ({@code maximum-bytes / maximum-size}), at least 1. So at most {@code maximum-size} small entries, and never
     * much more than {@code maximum-bytes} of bodies (one heavy year-long answer is ~20 MB).
     */
    private static Cache<Object, Object> monitored(String name, long ttlSeconds, long maximumSize, DataSize maximumBytes,
            ObjectProvider<MeterRegistry> meters) {
        long bytesPerUnit = Math.max(1, maximumBytes.toBytes() / Math.max(1, maximumSize));
        Cache<Object, Object> cache = Caffeine.newBuilder()
                .expireAfterWrite(Duration.ofSeconds(ttlSeconds))
                .maximumWeight(maximumSize)
                .weigher((Object key, Object value) -> value instanceof byte[] body
                        ? (int) Math.min(Integer.MAX_VALUE, Math.max(1, body.length / bytesPerUnit)) : 1)
                .recordStats()
                .build();
        meters.ifAvailable(registry -> CaffeineCacheMetrics.monitor(registry, cache, name));
        return cache;
    }
}
