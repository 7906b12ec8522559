package ai.bud.metrics.web;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * HTTP-layer settings ({@code budmetrics.web.*}; application.yaml maps the environment variables, and
 * docs/OPERATIONS.md describes each one).
 */
@ConfigurationProperties("budmetrics.web")
public record WebProperties(
        @DefaultValue Compression compression,
        @DefaultValue RateLimit rateLimit,
        @DefaultValue Auth auth,
        @DefaultValue Gate queryGate) {

    /** Response compression negotiated by Accept-Encoding. */
    public record Compression(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("1KB") DataSize minSize,
            @DefaultValue("4") int brotliQuality,
            @DefaultValue("3") int zstdLevel,
            @DefaultValue("6") int gzipLevel,
            @DefaultValue({"br", "zstd", "gzip"}) List<String> preference,
            @DefaultValue({"application/json", "application/*+json", "application/x-ndjson", "application/xml",
                    "application/javascript", "text/*"}) List<String> mimeTypes) {

        public Compression {
            if (minSize.toBytes() < 0) {
                throw new IllegalArgumentException("budmetrics.web.compression.min-size must not be negative");
            }
            if (brotliQuality < 0 || brotliQuality > 11) {
                throw new IllegalArgumentException("budmetrics.web.compression.brotli-quality must be 0..11, got " + brotliQuality);
            }
            if (zstdLevel < -7 || zstdLevel > 22) {
                throw new IllegalArgumentException("budmetrics.web.compression.zstd-level must be -7..22, got " + zstdLevel);
            }
            if (gzipLevel < 1 || gzipLevel > 9) {
                throw new IllegalArgumentException("budmetrics.web.compression.gzip-level must be 1..9, got " + gzipLevel);
            }
            preference = List.copyOf(preference);
            mimeTypes = List.copyOf(mimeTypes);
        }
    }

    /**
     * Per-client token buckets, off by default: one rule for analytics calls, one for ingested events. The client
     * is the value of {@code identityHeader} when a request has one (empty: never), else its address.
     */
    public record RateLimit(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("dapr-caller-app-id") String identityHeader,
            @DefaultValue("false") boolean trustForwardedFor,
            @DefaultValue("100000") long maxClients,
            @DefaultValue("16MB") DataSize countEventsMaxBody,
            Limit analytics,
            Limit ingest) {

        public RateLimit {
            if (analytics == null) {
                analytics = new Limit(100, Duration.ofMinutes(1), List.of("/observability/analytics"), false);
            }
            if (ingest == null) {
                ingest = new Limit(1000, Duration.ofSeconds(1), List.of("/observability/add"), true);
            }
            if (maxClients < 1) {
                throw new IllegalArgumentException("budmetrics.web.rate-limit.max-clients must be positive");
            }
        }
    }

    /**
     * {@code limit} units per {@code period}; a unit is a request, or an ingested event when {@code countEvents}.
     * The paths are Ant-style patterns (e.g. {@code /observability/add}, {@code /api/**}).
     */
    public record Limit(long limit, Duration period, List<String> paths, boolean countEvents) {

        public Limit {
            if (limit < 1) {
                throw new IllegalArgumentException("rate limit must be at least 1, got " + limit);
            }
            if (period == null || period.isZero() || period.isNegative()) {
                throw new IllegalArgumentException("rate limit period must be positive, got " + period);
            }
            paths = paths == null ? List.of() : List.copyOf(paths);
        }
    }

    /** Optional shared secret: when {@code apiToken} is set every path but the exempt ones needs it in {@code header}. */
    public record Auth(
            String apiToken,
            @DefaultValue("dapr-api-token") String header,
            @DefaultValue("/health") List<String> exemptPaths) {

        public Auth {
            exemptPaths = List.copyOf(exemptPaths);
        }

        public boolean enabled() {
            return apiToken != null && !apiToken.isEmpty();
        }
    }

    /**
     * Concurrent analytics queries: permits (no more than the analytics pool's connections: the gate is built in
     * analytics/ with the engine's slots), how long an excess call waits, what Retry-After it gets.
     */
    public record Gate(
            @DefaultValue("4") int permits,
            @DefaultValue("1s") Duration maxWait,
            @DefaultValue("5s") Duration retryAfter) {

        public Gate {
            if (permits < 1) {
                throw new IllegalArgumentException("budmetrics.web.query-gate.permits must be positive, got " + permits);
            }
        }
    }
}
