package ai.bud.metrics.ingest.edge;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Dapr topic stream this service consumes ({@code budmetrics.redis.*}, SPEC section 4), as far as Java reads it.
 * The consumer's own settings (consumers, batch-size, block, claim-*, retry back-off, max-deliveries) are options of
 * the {@code redis-stream:} endpoint in routes/ingest-redis.camel.yaml, which takes them from these properties.
 *
 * @param ingestEnabled  consume the stream at all (the route's {@code autoStartup})
 * @param stream         stream key (= Dapr topic)
 * @param consumerGroup  consumer group (= Dapr app id)
 * @param eventTypes     the CloudEvent types that are stored (the gateway's, and Dapr's publish API's); an entry of
 *                       another type, or one that is no CloudEvent, is dead-lettered and acknowledged
 */
@ConfigurationProperties("budmetrics.redis")
public record RedisStreamProperties(@DefaultValue("true") boolean ingestEnabled, @DefaultValue("budMetricsMessages") String stream,
        @DefaultValue("budmetrics") String consumerGroup,
        @DefaultValue({"add_observability_metrics", "com.dapr.event.sent"}) List<String> eventTypes) {

    public RedisStreamProperties {
        eventTypes = eventTypes.stream().map(String::strip).filter(type -> !type.isEmpty()).toList();
        if (eventTypes.isEmpty()) {
            throw new IllegalArgumentException("budmetrics.redis.event-types must name at least one CloudEvent type");
        }
    }
}
