package ai.bud.metrics.ingest;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * {@code redisIngest} in /health: whether the stream consumer runs, on which stream, group and consumer name,
 * and what it has acknowledged. Redis reachability itself is Spring Boot's {@code redis} component.
 */
class RedisIngestHealthIndicator extends AbstractHealthIndicator {

    private final RedisStreamConsumer consumer;
    private final boolean enabled;

    RedisIngestHealthIndicator(RedisStreamConsumer consumer, boolean enabled) {
        this.consumer = consumer;
        this.enabled = enabled;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        RedisStreamProperties settings = consumer.settings();
        builder.withDetail("enabled", enabled).withDetail("stream", settings.stream()).withDetail("group", settings.consumerGroup())
                .withDetail("consumer", consumer.consumerName()).withDetail("consumers", consumer.consumerNames())
                .withDetail("acknowledged", consumer.acknowledged()).withDetail("deadLettered", consumer.deadLettered());
        if (consumer.lastError() != null) {
            builder.withDetail("lastError", consumer.lastError());
        }
        if (!enabled) {
            builder.up().withDetail("running", false);
        } else if (consumer.isRunning()) {
            builder.up().withDetail("running", true);
        } else {
            builder.down().withDetail("running", false);
        }
    }
}
