package ai.bud.metrics.web;

import ai.bud.metrics.errors.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;

/**
 * Bounds how many analytics queries run at once. A caller over the limit waits up to {@code maxWait} for a
 * permit (fair: first come, first served), then gets a 503 {@link ApiException} carrying {@code Retry-After}.
 *
 * <p>Plain Java use: {@code try (QueryGate.Permit p = gate.acquire()) { … }} or {@code gate.call(() -> …)}.
 * In a route: {@code bean: {ref: queryGate, method: enter}} before the query step; the permit is released
 * when the exchange completes (or fails), or earlier with {@code method: leave} right after the query.
 */
public class QueryGate {

    static final String PERMIT = "budmetrics.queryPermit";
    static final String WAIT_METER = "budmetrics.query.gate.wait";

    private final Semaphore permits;
    private final int size;
    private final Duration maxWait;
    private final Duration retryAfter;
    private final Timer admitted;
    private final Timer refused;

    public QueryGate(int permits, Duration maxWait, Duration retryAfter) {
        this(permits, maxWait, retryAfter, null);
    }

    /** With {@code meters}: {@code budmetrics_query_gate_wait_seconds{outcome=admitted|refused}}, each wait for a slot. */
    public QueryGate(int permits, Duration maxWait, Duration retryAfter, MeterRegistry meters) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be positive, got " + permits);
        }
        this.permits = new Semaphore(permits, true);
        this.size = permits;
        this.maxWait = maxWait;
        this.retryAfter = retryAfter;
        this.admitted = meters == null ? null : waits(meters, "admitted");
        this.refused = meters == null ? null : waits(meters, "refused");
    }

    private static Timer waits(MeterRegistry meters, String outcome) {
        return Timer.builder(WAIT_METER).description("time an analytics query waited for a query gate slot")
                .tag("outcome", outcome).register(meters);
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
        boolean acquired = false;
        long start = System.nanoTime();
        try {
            acquired = permits.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy("interrupted while waiting for a query slot");
        } finally {
            if (admitted != null) {
                (acquired ? admitted : refused).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }
        if (!acquired) {
            throw busy("too many analytics queries in progress (" + size + " at a time); waited "
                    + maxWait.toMillis() + " ms for a slot");
        }
        return new Permit();
    }

    public <T> T call(Callable<T> query) throws Exception {
        try (Permit ignored = acquire()) {
            return query.call();
        }
    }

    /** Route form of {@link #acquire()}: holds a permit for the exchange, released when it completes. */
    public void enter(Exchange exchange) {
        Permit permit = acquire();
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

    /** Permits free right now (for metrics and tests). */
    public int available() {
        return permits.availablePermits();
    }

    private ApiException busy(String message) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return ApiException.serviceUnavailable(message, seconds);
    }
}
