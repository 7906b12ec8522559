package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.components.redisstream.RedisStreamComponent;
import ai.bud.metrics.components.redisstream.RedisStreamConsumer;
import java.util.List;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * {@code redisIngest} in /health: whether the {@code redis-stream} consumer of the configured stream runs, on which
 * stream, group and consumer names, and what it has acknowledged. Redis reachability itself is Spring Boot's
 * {@code redis} component.
 */
class RedisIngestHealthIndicator extends AbstractHealthIndicator {

    private final RedisStreamComponent streams;
    private final RedisStreamProperties settings;

    RedisIngestHealthIndicator(RedisStreamComponent streams, RedisStreamProperties settings) {
        this.streams = streams;
        this.settings = settings;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean enabled = settings.ingestEnabled();
        builder.withDetail("enabled", enabled).withDetail("stream", settings.stream()).withDetail("group", settings.consumerGroup());
        List<RedisStreamConsumer> consumers = streams.consumers().stream()
                .filter(c -> c.stream().equals(settings.stream()) && c.group().equals(settings.consumerGroup())).toList();
        if (!consumers.isEmpty()) {
            RedisStreamConsumer consumer = consumers.get(0);
            builder.withDetail("consumer", consumer.consumerName()).withDetail("consumers", consumer.consumerNames())
                    .withDetail("acknowledged", consumer.acknowledged()).withDetail("deadLettered", consumer.deadLettered());
            if (consumer.lastError() != null) {
                builder.withDetail("lastError", consumer.lastError());
            }
        }
        if (!enabled) {
            builder.up().withDetail("running", false);
        } else if (!consumers.isEmpty() && consumers.stream().allMatch(RedisStreamConsumer::isConsuming)) {
            builder.up().withDetail("running", true);
        } else {
            builder.down().withDetail("running", false);
        }
    }
}
