package ai.bud.metrics.ingest;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Dapr topic stream this service consumes ({@code budmetrics.redis.*}, SPEC section 4).
 *
 * @param ingestEnabled  consume the stream at all
 * @param stream         stream key (= Dapr topic)
 * @param consumerGroup  consumer group (= Dapr app id)
 * @param consumerName   this instance's consumer name; empty means the host name
 * @param consumers      consumer threads (each a consumer of the group: {@code consumerName-1} … when more than one)
 * @param eventTypes     the CloudEvent types that are stored (the gateway's, and Dapr's publish API's); an entry of
 *                       another type, or one that is no CloudEvent, is dead-lettered and acknowledged
 * @param batchSize      entries per XREADGROUP
 * @param block          how long one XREADGROUP waits for new entries
 * @param claimIdle      pending entries of other consumers idle this long are claimed
 * @param claimInterval  how often to look for such entries
 * @param retryBackoff   first pause after a batch could not be stored (doubles up to maxRetryBackoff)
 * @param maxRetryBackoff longest pause between attempts while storage is down
 * @param maxDeliveries  an entry that failed and has been delivered this many times (XPENDING's count) is
 *                       dead-lettered with its last error and acknowledged
 * @param stopTimeout    how long a graceful stop waits for the batch in progress
 */
@ConfigurationProperties("budmetrics.redis")
public record RedisStreamProperties(@DefaultValue("true") boolean ingestEnabled, @DefaultValue("budMetricsMessages") String stream,
        @DefaultValue("budmetrics") String consumerGroup, @DefaultValue("") String consumerName,
        @DefaultValue("2") int consumers,
        @DefaultValue({"add_observability_metrics", "com.dapr.event.sent"}) List<String> eventTypes, @DefaultValue("2000") int batchSize,
        @DefaultValue("1s") Duration block, @DefaultValue("60s") Duration claimIdle, @DefaultValue("15s") Duration claimInterval,
        @DefaultValue("500ms") Duration retryBackoff, @DefaultValue("30s") Duration maxRetryBackoff,
        @DefaultValue("10") int maxDeliveries, @DefaultValue("30s") Duration stopTimeout) {

    public RedisStreamProperties {
        if (batchSize < 1) {
            throw new IllegalArgumentException("budmetrics.redis.batch-size must be at least 1");
        }
        if (consumers < 1) {
            throw new IllegalArgumentException("budmetrics.redis.consumers must be at least 1");
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("budmetrics.redis.max-deliveries must be at least 1");
        }
        eventTypes = eventTypes.stream().map(String::strip).filter(type -> !type.isEmpty()).toList();
        if (eventTypes.isEmpty()) {
            throw new IllegalArgumentException("budmetrics.redis.event-types must name at least one CloudEvent type");
        }
    }
}
