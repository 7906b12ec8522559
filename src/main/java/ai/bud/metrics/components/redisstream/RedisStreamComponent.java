package ai.bud.metrics.components.redisstream;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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

    void started(RedisStreamConsumer consumer) {
        consumers.add(consumer);
    }

    void stopped(RedisStreamConsumer consumer) {
        consumers.remove(consumer);
    }
}
