package ai.bud.metrics.clickhouse;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * {@code budmetrics_clickhouse_up}: 1 while the {@code clickHouse} health check answers through the pool, 0 when it
 * does not. The check runs every {@link #INTERVAL} on a thread of its own (a scrape never waits for ClickHouse), so an
 * alert sees an outage whether or not anything calls /health.
 */
final class ClickHouseUpGauge implements AutoCloseable {

    static final String METER = "budmetrics.clickhouse.up";
    static final Duration INTERVAL = Duration.ofSeconds(10);

    private final HealthIndicator check;
    private final ScheduledExecutorService probe;
    private volatile double up = Double.NaN;

    ClickHouseUpGauge(HealthIndicator check, MeterRegistry meters) {
        this(check, meters, INTERVAL);
    }

    /** @param interval between checks; zero: none in the background, only {@link #probe()} (tests) */
    ClickHouseUpGauge(HealthIndicator check, MeterRegistry meters, Duration interval) {
        this.check = check;
        Gauge.builder(METER, this, gauge -> gauge.up).description("1 while ClickHouse answers the service's health check, else 0")
                .strongReference(true).register(meters);
        probe = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "clickhouse-up");
            thread.setDaemon(true);
            return thread;
        });
        if (!interval.isZero()) {
            probe.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    void probe() {
        try {
            up = Status.UP.equals(check.health().getStatus()) ? 1 : 0;
        } catch (RuntimeException e) {
            up = 0;
        }
    }

    double up() {
        return up;
    }

    @Override
    public void close() {
        probe.shutdownNow();
    }
}
