package ai.bud.metrics.components.redisstream;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code redis-stream} component: {@code from: redis-stream:<stream>?group=…} consumes a Redis Stream (a Dapr
 * topic, SPEC section 4) through a consumer group, one exchange per read, and acknowledges on exchange completion
 * (see {@link RedisStreamConsumer}). camel-spring-redis has no stream commands; this uses Spring Data Redis's
 * connection (the service's {@code spring.data.redis.*} / {@code REDIS_*} settings). Consumer only.
 */
@Component("redis-stream")
public class RedisStreamComponent extends DefaultComponent {

    private final StringRedisTemplate redis;
    private final MeterRegistry meters;
    private final List<RedisStreamConsumer> consumers = new CopyOnWriteArrayList<>();
    /** One per stream and group being consumed, sampled every {@link #BACKLOG_INTERVAL} while a consumer of it runs. */
    private final Map<List<String>, Watched> backlogs = new HashMap<>();
    private ScheduledExecutorService sampler;

    static final Duration BACKLOG_INTERVAL = Duration.ofSeconds(5);

    private record Watched(StreamBacklog backlog, ScheduledFuture<?> sampling) {
    }

    public RedisStreamComponent(StringRedisTemplate redis, MeterRegistry meters) {
        this.redis = redis;
        this.meters = meters;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("redis-stream: the stream key is missing (redis-stream:<stream>?group=…)");
        }
        RedisStreamEndpoint endpoint = new RedisStreamEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /** The consumers started now (for health). */
    public List<RedisStreamConsumer> consumers() {
        return List.copyOf(consumers);
    }

    StringRedisTemplate redis() {
        return redis;
    }

    MeterRegistry meters() {
        return meters;
    }

    synchronized void started(RedisStreamConsumer consumer) {
        consumers.add(consumer);
        backlogs.computeIfAbsent(List.of(consumer.stream(), consumer.group()), key -> {
            StreamBacklog backlog = new StreamBacklog(redis, consumer.stream(), consumer.group());
            backlog.register(meters);
            if (sampler == null) {
                sampler = Executors.newSingleThreadScheduledExecutor(task -> {
                    Thread thread = new Thread(task, "redis-stream-backlog");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            return new Watched(backlog, sampler.scheduleWithFixedDelay(backlog::sample, 0, BACKLOG_INTERVAL.toMillis(),
                    TimeUnit.MILLISECONDS));
        });
    }

    synchronized void stopped(RedisStreamConsumer consumer) {
        consumers.remove(consumer);
        List<String> key = List.of(consumer.stream(), consumer.group());
        if (consumers.stream().noneMatch(other -> key.equals(List.of(other.stream(), other.group())))) {
            Watched watched = backlogs.remove(key);
            if (watched != null) {
                watched.sampling().cancel(false);
                watched.backlog().remove(meters);
            }
        }
    }

    /** The backlog of a stream and group being consumed now (for tests), or null. */
    synchronized StreamBacklog backlog(String stream, String group) {
        Watched watched = backlogs.get(List.of(stream, group));
        return watched == null ? null : watched.backlog();
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
        backlogs.values().forEach(watched -> watched.backlog().remove(meters));
        backlogs.clear();
        super.doStop();
    }
}
