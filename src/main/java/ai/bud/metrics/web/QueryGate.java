package ai.bud.metrics.web;

import ai.bud.metrics.errors.ApiException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;

/**
 * Bounds how many analytics queries run at once. A caller over the limit waits up to {@code maxWait} for a
 * permit (fair: first come, first served), and no longer than what is left of its {@link Deadline}, then gets a 503
 * {@link ApiException} carrying {@code Retry-After}. Meters: {@code budmetrics_slots_in_use{kind="analytics"}},
 * {@code budmetrics_slots_limit{kind="analytics"}} and {@code budmetrics_analytics_queue_wait_seconds} (the time a
 * query waited for its slot, {@code outcome} admitted or refused).
 *
 * <p>Plain Java use: {@code try (QueryGate.Permit p = gate.acquire()) { … }} or {@code gate.call(() -> …)}.
 * In a route: {@code bean: {ref: queryGate, method: enter}} before the query step; the permit is released
 * when the exchange completes (or fails), or earlier with {@code method: leave} right after the query.
 */
public class QueryGate {

    static final String PERMIT = "budmetrics.queryPermit";

    private final Semaphore permits;
    private final int size;
    private final Duration maxWait;
    private final Duration retryAfter;
    private final Timer admitted;
    private final Timer refused;

    public QueryGate(int permits, Duration maxWait, Duration retryAfter) {
        this(permits, maxWait, retryAfter, new SimpleMeterRegistry());
    }

    public QueryGate(int permits, Duration maxWait, Duration retryAfter, MeterRegistry meters) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be positive, got " + permits);
        }
        this.permits = new Semaphore(permits, true);
        this.size = permits;
        this.maxWait = maxWait;
        this.retryAfter = retryAfter;
        Gauge.builder("budmetrics.slots.in.use", this, gate -> gate.size - gate.available()).tag("kind", "analytics")
                .description("analytics query slots held now").register(meters);
        Gauge.builder("budmetrics.slots.limit", this, gate -> gate.size).tag("kind", "analytics")
                .description("analytics query slots").register(meters);
        this.admitted = Timer.builder("budmetrics.analytics.queue.wait").tag("outcome", "admitted").register(meters);
        this.refused = Timer.builder("budmetrics.analytics.queue.wait").tag("outcome", "refused").register(meters);
    }

    /** A held permit; closing it (once or more) gives it back. */
    public final class Permit implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Permit() {
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                permits.release();
            }
        }
    }

    public Permit acquire() {
        return acquire(null);
    }

    /** A permit within {@code maxWait} and what is left of {@code deadline} (when not null), else a 503. */
    public Permit acquire(Deadline deadline) {
        Duration wait = deadline == null || deadline.remaining().compareTo(maxWait) > 0 ? maxWait : deadline.remaining();
        long started = System.nanoTime();
        boolean acquired;
        try {
            acquired = permits.tryAcquire(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy("interrupted while waiting for a query slot");
        }
        (acquired ? admitted : refused).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        if (!acquired) {
            throw busy("too many analytics queries in progress (" + size + " at a time); waited "
                    + Math.max(0, wait.toMillis()) + " ms for a slot");
        }
        return new Permit();
    }

    public <T> T call(Callable<T> query) throws Exception {
        try (Permit ignored = acquire()) {
            return query.call();
        }
    }

    /**
     * Route form of {@link #acquire(Deadline)} with the exchange's {@link Deadline} (property {@value Deadline#PROPERTY}):
     * holds a permit for the exchange, released when it completes.
     */
    public void enter(Exchange exchange) {
        Permit permit = acquire(exchange.getProperty(Deadline.PROPERTY, Deadline.class));
        exchange.setProperty(PERMIT, permit);
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                permit.close();
            }
        });
    }

    /** Gives the exchange's permit back before the exchange completes (after the query step). */
    public void leave(Exchange exchange) {
        Permit permit = exchange.getProperty(PERMIT, Permit.class);
        if (permit != null) {
            permit.close();
        }
    }

    /** Permits in all. */
    public int size() {
        return size;
    }

    /** Permits free right now (for metrics and tests). */
    public int available() {
        return permits.availablePermits();
    }

    private ApiException busy(String message) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return ApiException.serviceUnavailable(message, seconds);
    }
}
