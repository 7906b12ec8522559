package ai.bud.metrics.components.redisstream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.data.redis.connection.stream.StreamInfo.XInfoGroup;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * What one consumer group has not done yet, from {@code XINFO GROUPS}: {@code lag}, the entries of the stream not yet
 * delivered to the group (Redis 7 counts them; it answers nil when it cannot, e.g. after entries were deleted from the
 * middle of the stream), and {@code pending}, the entries delivered and not yet acknowledged. Published as the gauges
 * {@code budmetrics_ingest_stream_lag{stream,group}} and {@code budmetrics_ingest_stream_pending{stream,group}}; read by
 * {@link #sample()} on the component's own thread, so that a scrape never waits for Redis. NaN while unknown (Redis
 * unreachable, no such stream or group, or no lag from Redis).
 */
final class StreamBacklog {

    static final String LAG_METER = "budmetrics.ingest.stream.lag";
    static final String PENDING_METER = "budmetrics.ingest.stream.pending";

    private final StringRedisTemplate redis;
    private final String stream;
    private final String group;
    private volatile double lag = Double.NaN;
    private volatile double pending = Double.NaN;
    private List<Meter> meters = List.of();

    StreamBacklog(StringRedisTemplate redis, String stream, String group) {
        this.redis = redis;
        this.stream = stream;
        this.group = group;
    }

    void register(MeterRegistry registry) {
        meters = List.of(
                Gauge.builder(LAG_METER, this, StreamBacklog::lag).tag("stream", stream).tag("group", group)
                        .description("entries of the stream not yet delivered to the consumer group (XINFO GROUPS lag)")
                        .strongReference(true).register(registry),
                Gauge.builder(PENDING_METER, this, StreamBacklog::pending).tag("stream", stream).tag("group", group)
                        .description("entries delivered to the consumer group and not yet acknowledged")
                        .strongReference(true).register(registry));
    }

    void remove(MeterRegistry registry) {
        meters.forEach(registry::remove);
        meters = List.of();
    }

    /** Reads the group's counts now; on any failure they are unknown (NaN) until the next sample. */
    void sample() {
        double lagNow = Double.NaN;
        double pendingNow = Double.NaN;
        try {
            for (XInfoGroup info : redis.opsForStream().groups(stream)) {
                if (group.equals(info.groupName())) {
                    pendingNow = info.pendingCount();
                    lagNow = info.getRaw().get("lag") instanceof Number number ? number.doubleValue() : Double.NaN;
                }
            }
        } catch (RuntimeException e) {
            // Redis unreachable or no such stream: unknown, which the consumer's own health and logs explain
        }
        lag = lagNow;
        pending = pendingNow;
    }

    double lag() {
        return lag;
    }

    double pending() {
        return pending;
    }
}
