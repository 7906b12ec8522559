package ai.bud.metrics.seed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Nothing to talk to: a clear message and exit 1, never a stack trace. */
class SeedFailureTest {

    @Test
    void unreachableServiceIsAClearError() throws IOException {
        int port = freePort();
        SeedRun run = SeedRun.of("--url", "http://127.0.0.1:" + port, "--no-model-inference", "--records", "10");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach the service at http://127.0.0.1:" + port + "/observability/add")
                .doesNotContain("Exception");
    }

    @Test
    void unreachableClickHouseIsAClearError() throws IOException {
        int port = freePort();
        SeedRun run = SeedRun.of("--direct-db", "--clickhouse-url", "http://127.0.0.1:" + port, "--records", "10");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).contains("seed: ClickHouse at 127.0.0.1:" + port + " did not answer");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
