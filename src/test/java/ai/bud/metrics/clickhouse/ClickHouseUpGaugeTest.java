package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;

/** budmetrics_clickhouse_up follows the health check: 1 up, 0 down or failing. */
class ClickHouseUpGaugeTest {

    @Test
    void theGaugeIsTheLastCheckAsOneOrZero() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AtomicReference<Health> health = new AtomicReference<>(Health.up().build());
        try (ClickHouseUpGauge gauge = new ClickHouseUpGauge(() -> {
            Health now = health.get();
            if (now == null) {
                throw new IllegalStateException("the check itself failed");
            }
            return now;
        }, meters, java.time.Duration.ZERO)) {
            assertThat(gauge.up()).as("unknown before the first check").isNaN();
            gauge.probe();
            assertThat(meters.get(ClickHouseUpGauge.METER).gauge().value()).isEqualTo(1);
            health.set(Health.down().withDetail("error", "connection refused").build());
            gauge.probe();
            assertThat(meters.get(ClickHouseUpGauge.METER).gauge().value()).isZero();
            health.set(Health.up().build());
            gauge.probe();
            assertThat(gauge.up()).isEqualTo(1);
            health.set(null);
            gauge.probe();
            assertThat(gauge.up()).isZero();
        }
    }
}
