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

    /**
     * The rules' syntax and their unit tests (budmetrics-alerts.test.yaml: each alert fires on a sustained fault, not on
     * a burst) with Prometheus's own promtool, where it is installed (Debian: apt-get install prometheus).
     */
    @Test
    void theAlertRulesPassPromtool() throws Exception {
        java.nio.file.Path promtool = java.util.stream.Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
                .map(dir -> java.nio.file.Path.of(dir, "promtool")).filter(java.nio.file.Files::isExecutable).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(promtool != null, "promtool is not installed");
        for (String[] command : new String[][] {{"check", "rules", "budmetrics-alerts.yaml"}, {"test", "rules", "budmetrics-alerts.test.yaml"}}) {
            java.util.List<String> line = new java.util.ArrayList<>(java.util.List.of(promtool.toString()));
            line.addAll(java.util.List.of(command));
            Process process = new ProcessBuilder(line).directory(java.nio.file.Path.of("deploy/observability").toFile())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as(String.join(" ", line) + "\n" + output).isZero();
            assertThat(output).contains("SUCCESS");
        }
    }

    @Test
    void theShippedFilesNameMetrics() throws Exception {
        assertThat(ObservabilityTest.dashboardQueries()).hasSizeGreaterThan(20);
        assertThat(ObservabilityTest.ruleExpressions()).hasSize(5);
    }
}
