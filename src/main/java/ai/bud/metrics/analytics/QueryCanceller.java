package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nothing outlives its caller (SPEC §6b): a query still running when its deadline passes, or whose client has gone, is
 * stopped in the engine with {@code KILL QUERY} by the id the service gave it ({@link EngineClient#cancel}), from a
 * thread of its own, through a connection the analytics queries cannot hold. Counted as
 * {@code budmetrics_analytics_queries_cancelled_total{reason}}.
 */
final class QueryCanceller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(QueryCanceller.class);

    enum Reason { DEADLINE, DISCONNECT }

    private final EngineClient engine;
    private final MeterRegistry meters;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(2, task -> {
        Thread thread = new Thread(task, "analytics-cancel");
        thread.setDaemon(true);
        return thread;
    });

    QueryCanceller(EngineClient engine, MeterRegistry meters) {
        this.engine = engine;
        this.meters = meters;
        // started now, by the thread that builds the service: a thread inherits its creator's nice value, and the
        // cancels free the CPU for ingestion, so they must not wait behind it on the low-priority analytics threads
        timer.prestartAllCoreThreads();
        // at 0 from the start, so a dashboard or an alert on it has a series before the first cancellation
        for (Reason reason : Reason.values()) {
            counter(reason);
        }
    }

    private Counter counter(Reason reason) {
        return meters.counter("budmetrics.analytics.queries.cancelled", "reason", reason.name().toLowerCase());
    }

    /** How often a watched query's client is looked at: with the KILL's own time, well within the second allowed. */
    static final Duration CLIENT_CHECK = Duration.ofMillis(200);

    /**
     * Watches the query {@code queryId}: it is cancelled when {@code left} has passed, or as soon as {@code clientGone}
     * says so (looked at every {@link #CLIENT_CHECK}), unless closed first.
     */
    Watch watch(String queryId, Duration left, BooleanSupplier clientGone) {
        Watch watch = new Watch(queryId);
        watch.deadline = timer.schedule(() -> watch.cancel(Reason.DEADLINE), Math.max(0, left.toNanos()), TimeUnit.NANOSECONDS);
        if (clientGone != null) {
            watch.client = timer.scheduleWithFixedDelay(() -> {
                if (clientGone.getAsBoolean()) {
                    watch.cancel(Reason.DISCONNECT);
                }
            }, CLIENT_CHECK.toMillis(), CLIENT_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        }
        return watch;
    }

    /** One query under watch; closing it (when the engine has answered) ends the watch. */
    final class Watch implements AutoCloseable {
        private final String queryId;
        private final AtomicReference<Reason> cancelled = new AtomicReference<>();
        private volatile boolean closed;
        private volatile ScheduledFuture<?> deadline;
        private volatile ScheduledFuture<?> client;

        private Watch(String queryId) {
            this.queryId = queryId;
        }

        /** Cancels the query at once (on the canceller's thread), once, unless it has answered. */
        void cancelSoon(Reason reason) {
            timer.execute(() -> cancel(reason));
        }

        private void cancel(Reason reason) {
            if (closed || !cancelled.compareAndSet(null, reason)) {
                return;
            }
            if (client != null) {
                client.cancel(false);
            }
            try {
                boolean found = engine.cancel(queryId);
                counter(reason).increment();
                log.info("analytics query {} cancelled ({}){}", queryId, reason.name().toLowerCase(), found ? "" : ": it had already ended");
            } catch (SQLException | RuntimeException e) {
                log.warn("cancelling analytics query {} ({}) failed: {}", queryId, reason.name().toLowerCase(), e.getMessage());
            }
        }

        /** Why the query was cancelled, or null. */
        Reason cancelled() {
            return cancelled.get();
        }

        @Override
        public void close() {
            closed = true;
            for (ScheduledFuture<?> pending : new ScheduledFuture<?>[] {deadline, client}) {
                if (pending != null) {
                    pending.cancel(false);
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
