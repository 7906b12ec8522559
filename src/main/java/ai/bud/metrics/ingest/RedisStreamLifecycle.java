package ai.bud.metrics.ingest;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Starts the stream consumer once the application (and so the ingest routes) is ready — a backlog would
 * otherwise arrive before the route exists — and stops it first on shutdown, before Camel stops (Camel stops
 * on the same ContextClosedEvent, so this listener runs with the highest precedence).
 */
class RedisStreamLifecycle {

    private final RedisStreamConsumer consumer;
    private final boolean enabled;

    RedisStreamLifecycle(RedisStreamConsumer consumer, boolean enabled) {
        this.consumer = consumer;
        this.enabled = enabled;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void onReady() {
        if (enabled) {
            consumer.start();
        }
    }

    @Order(Ordered.HIGHEST_PRECEDENCE)
    @EventListener(ContextClosedEvent.class)
    public void onClose() {
        consumer.stop();
    }
}
