package ai.bud.metrics.components.redisstream;

import java.time.Duration;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * {@code redis-stream:<stream>}: the options of one consumer group on one stream. Defaults are the service's
 * ({@code budmetrics.redis.*}); the shipped route sets each from those properties, so the {@code REDIS_*}
 * environment variables keep working.
 */
public class RedisStreamEndpoint extends DefaultEndpoint {

    private final String stream;
    private String group = "budmetrics";
    private String consumerName = "";
    private int consumers = 2;
    private int batchSize = 2000;
    private Duration block = Duration.ofSeconds(1);
    private Duration claimIdle = Duration.ofSeconds(60);
    private Duration claimInterval = Duration.ofSeconds(15);
    private Duration retryBackoff = Duration.ofMillis(500);
    private Duration maxRetryBackoff = Duration.ofSeconds(30);
    private int maxDeliveries = 10;
    private String deadLetterUri = "direct:dead-letter";
    private Duration stopTimeout = Duration.ofSeconds(30);
    private DeliveryLimit deliveryLimit;

    RedisStreamEndpoint(String uri, RedisStreamComponent component, String stream) {
        super(uri, component);
        this.stream = stream;
    }

    @Override
    public RedisStreamComponent getComponent() {
        return (RedisStreamComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("redis-stream is an input (from:) only; " + getEndpointUri());
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        check();
        RedisStreamConsumer consumer = new RedisStreamConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    /** Shared by the consumers of this endpoint, so that a route restart keeps each failing entry's last error. */
    synchronized DeliveryLimit deliveryLimit() {
        if (deliveryLimit == null) {
            deliveryLimit = new DeliveryLimit(getComponent().redis(), maxDeliveries);
        }
        return deliveryLimit;
    }

    private void check() {
        require(group != null && !group.isBlank(), "group must name the consumer group");
        require(consumers >= 1, "consumers must be at least 1");
        require(batchSize >= 1, "batchSize must be at least 1");
        require(maxDeliveries >= 1, "maxDeliveries must be at least 1");
        require(deadLetterUri != null && !deadLetterUri.isBlank(), "deadLetterUri must name an endpoint");
        for (Duration duration : new Duration[] {block, claimIdle, claimInterval, retryBackoff, maxRetryBackoff, stopTimeout}) {
            require(duration != null && !duration.isNegative(), "durations must not be negative");
        }
        require(!retryBackoff.isZero(), "retryBackoff must be more than 0");
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("redis-stream:" + stream + ": " + message);
        }
    }

    public String getStream() {
        return stream;
    }

    public String getGroup() {
        return group;
    }

    /** The consumer group (= Dapr app id); created with XGROUP CREATE … 0 MKSTREAM when missing. */
    public void setGroup(String group) {
        this.group = group;
    }

    public String getConsumerName() {
        return consumerName;
    }

    /** This instance's consumer name in the group; empty means the host name. */
    public void setConsumerName(String consumerName) {
        this.consumerName = consumerName == null ? "" : consumerName;
    }

    public int getConsumers() {
        return consumers;
    }

    /** Consumer threads, each a consumer of the group ({@code consumerName-1} … when more than one). */
    public void setConsumers(int consumers) {
        this.consumers = consumers;
    }

    public int getBatchSize() {
        return batchSize;
    }

    /** Entries per XREADGROUP, and so at most per exchange. */
    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public Duration getBlock() {
        return block;
    }

    /** How long one XREADGROUP waits for new entries. */
    public void setBlock(Duration block) {
        this.block = block;
    }

    public Duration getClaimIdle() {
        return claimIdle;
    }

    /** Pending entries of other consumers idle this long are claimed (XCLAIM). */
    public void setClaimIdle(Duration claimIdle) {
        this.claimIdle = claimIdle;
    }

    public Duration getClaimInterval() {
        return claimInterval;
    }

    /** How often to look for such entries. */
    public void setClaimInterval(Duration claimInterval) {
        this.claimInterval = claimInterval;
    }

    public Duration getRetryBackoff() {
        return retryBackoff;
    }

    /** First pause before entries left pending are delivered again (doubles up to maxRetryBackoff). */
    public void setRetryBackoff(Duration retryBackoff) {
        this.retryBackoff = retryBackoff;
    }

    public Duration getMaxRetryBackoff() {
        return maxRetryBackoff;
    }

    public void setMaxRetryBackoff(Duration maxRetryBackoff) {
        this.maxRetryBackoff = maxRetryBackoff;
    }

    public int getMaxDeliveries() {
        return maxDeliveries;
    }

    /** An entry that failed on its maxDeliveries-th delivery (XPENDING's count) goes to deadLetterUri. */
    public void setMaxDeliveries(int maxDeliveries) {
        this.maxDeliveries = maxDeliveries;
    }

    public String getDeadLetterUri() {
        return deadLetterUri;
    }

    /** Where exhausted entries are sent, as a {@code List<DeadLetterStore.DeadLetter>}; acknowledged when that succeeds. */
    public void setDeadLetterUri(String deadLetterUri) {
        this.deadLetterUri = deadLetterUri;
    }

    public Duration getStopTimeout() {
        return stopTimeout;
    }

    /** How long a graceful stop waits for the reads in progress. */
    public void setStopTimeout(Duration stopTimeout) {
        this.stopTimeout = stopTimeout;
    }
}
