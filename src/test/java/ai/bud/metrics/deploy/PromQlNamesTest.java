package ai.bud.metrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The extraction ObservabilityTest relies on: it must find every selected metric and nothing else. */
class PromQlNamesTest {

    @Test
    void findsTheSelectedMetricsOnly() {
        assertThat(PromQlNames.of("sum by (source, outcome) (rate(a_total{job=~\"$job\", outcome=\"x y\"}[$__rate_interval]))"))
                .containsExactly("a_total");
        assertThat(PromQlNames.of("histogram_quantile(0.95, sum by (step, le) (rate(b_seconds_bucket{route=\"analytics\"}[5m])))"))
                .containsExactly("b_seconds_bucket");
        assertThat(PromQlNames.of("max by (stream) (lag) > 1000 and max by (stream) (deriv(lag[10m])) > 0 unless on (stream) "
                + "sum by (stream) (rate(acked_total{result=\"acknowledged\"}[5m])) > 0"))
                .containsExactly("acked_total", "lag");
        assertThat(PromQlNames.of("up == 0")).containsExactly("up");
        assertThat(PromQlNames.of("x / ignoring (le) group_left (a, b) y offset 5m > bool 1e3")).containsExactly("x", "y");
        assertThat(PromQlNames.of("label_values(c_up{job=~\"$job\"}, instance)")).containsExactly("c_up");
        assertThat(PromQlNames.of("sum(rate(d_total[1h:5m]))")).containsExactly("d_total");
    }

    @Test
    void theShippedFilesNameMetrics() throws Exception {
        assertThat(ObservabilityTest.dashboardQueries()).hasSizeGreaterThan(20);
        assertThat(ObservabilityTest.ruleExpressions()).hasSize(5);
    }
}
