package ai.bud.metrics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Service replicas (docs/SCALING.md, "Service replicas"): scripts/chaos.sh's fault r, at a tenth of its size. Three
 * instances share one Redis consumer group and one ClickHouse (the first's embedded engine, the others in external mode
 * on its port), 20,000 events go in over HTTP (spread over the instances) and the stream, and one external instance is
 * killed (-9) half-way. The script's counter compares what each sender was told, per inference id, with the rows; it
 * exits 1 when an acknowledged event is missing or stored twice. The claim timers are shortened (claim idle 10 s, dedup
 * claim TTL 30 s) so that the run takes 1.5 to 2 minutes on quiet cores, most of it the three start-ups; the full run
 * (200,000 events, the service's timers) is {@code scripts/chaos.sh --only r}.
 *
 * <p>Run by the pom's {@code tools-jar-check} execution in the verify phase: the script starts the jars {@code package}
 * built (in the test phase they do not exist yet).
 */
class ReplicasCheck {

    private static final int EVENTS = 20_000;

    @Test
    void threeInstancesOnOneGroupLoseNothingAndStoreNothingTwiceWhenOneIsKilled() throws Exception {
        assumeTrue(System.getProperty("budmetrics.tools-jar") != null, "run in the verify phase (mvn verify), after package");
        Path log = Path.of("target", "replicas-check.log");
        List<String> command = new ArrayList<>(List.of("bash", "scripts/chaos.sh", "--only", "r", "--replica-events",
                Integer.toString(EVENTS), "--replica-spread", "10", "--replica-claim-idle", "10s", "--replica-claim-ttl", "30s"));
        // the script's ports unless told otherwise (mvn verify -Dreplicas.port-base=… -Dreplicas.redis-port-base=…)
        for (String option : List.of("port-base", "redis-port-base")) {
            String value = System.getProperty("replicas." + option);
            if (value != null) {
                command.addAll(List.of("--" + option, value));
            }
        }
        Process run = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = run.waitFor(12, TimeUnit.MINUTES);
        if (!finished) {
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("scripts/chaos.sh --only r ended within 12 minutes; its output:\n" + output).isTrue();
        assertThat(run.exitValue()).as("exit status (1: something acknowledged was lost or stored twice); output:\n" + output).isZero();

        String summary = output.lines().filter(line -> line.startsWith("| 3: ")).findFirst().orElse(null);
        assertThat(summary).as("the summary row of the run; output:\n" + output).isNotNull();
        List<String> cells = List.of(summary.substring(1).split("\\|")).stream().map(String::strip).toList();
        assertThat(cells.get(2)).as("events sent, HTTP / stream").isEqualTo(EVENTS / 2 + " / " + EVENTS / 2);
        assertThat(cells.get(3)).as("stored").isEqualTo(Integer.toString(EVENTS));
        assertThat(cells.get(4)).as("lost").isEqualTo("0");
        assertThat(cells.get(5)).as("duplicated").isEqualTo("0");
        // the kill waits (up to 10 s) for the moment the instance holds entries, so that claiming them is exercised
        assertThat(Integer.parseInt(cells.get(6))).as("entries the killed instance's consumers held").isPositive();
        assertThat(cells.get(7)).as("when the others had claimed them").endsWith("s after the kill");
    }
}
