package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.Application;
import ai.bud.metrics.support.EngineChild;
import ai.bud.metrics.support.TestClickHouse;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees when starting processes: persistence, the directory lock, an unreachable server. */
class ProcessLifecycleTest {

    record Outcome(int exitCode, String output) {
    }

    static Outcome runJava(Class<?> main, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dsun.net.httpserver.nodelay=true", main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("CLICKHOUSE_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Outcome(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static String library() {
        return ChdbLibraryLocator.locate(ClickHouseProperties.fromEnvironment(System.getenv()).embedded().library()).toString();
    }

    @Test
    void dataSurvivesARestartOfTheProcess(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("CHDB_LIBRARY", library());
        Outcome first = runJava(EngineChild.class, env, dataDir.toString(), "insert", "1234");
        assertThat(first.output()).as(first.output()).contains("COUNT=1234");
        Outcome second = runJava(EngineChild.class, env, dataDir.toString(), "count");
        assertThat(second.exitCode()).as(second.output()).isZero();
        assertThat(second.output()).contains("COUNT=1234");
    }

    @Test
    void aSecondProcessOnTheSameDataDirectoryExitsNamingTheLock() throws Exception {
        Path held = TestClickHouse.connector().isEmbedded()
                ? Path.of(System.getProperty("budmetrics.clickhouse.embedded.data-dir", "target/chdb-test-data")).toAbsolutePath()
                : null;
        assertThat(held).isNotNull();
        Map<String, String> env = Map.of("CHDB_LIBRARY", library(), "CLICKHOUSE_EMBEDDED_DATA", held.toString());

        Outcome migrate = runJava(Application.class, env, "migrate");
        assertThat(migrate.exitCode()).isEqualTo(1);
        assertThat(migrate.output()).contains("locked by another process").contains(".budmetrics.lock").doesNotContain("\tat ");

        Outcome service = runJava(Application.class, env, "--server.port=0");
        assertThat(service.exitCode()).isNotZero();
        assertThat(service.output()).contains("APPLICATION FAILED TO START").contains("locked by another process")
                .contains(".budmetrics.lock").doesNotContain("\tat ");
    }

    @Test
    void anUnreachableExternalServerIsRetriedThenNamedOnExit() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> env = Map.of("CLICKHOUSE_HOST", "127.0.0.1", "CLICKHOUSE_PORT", Integer.toString(port),
                "CLICKHOUSE_MAX_RETRIES", "2", "CLICKHOUSE_RETRY_DELAY_SECONDS", "0");
        Outcome service = runJava(Application.class, env, "--server.port=0");
        assertThat(service.exitCode()).isNotZero();
        assertThat(service.output()).contains("APPLICATION FAILED TO START")
                .contains("ClickHouse at 127.0.0.1:" + port + " did not answer after 3 attempts")
                .doesNotContain("\tat ");
        assertThat(service.output().split("not reachable \\(attempt", -1)).hasSize(4);

        Outcome migrate = runJava(Application.class, env, "migrate", "--max-retries", "1", "--retry-delay", "0");
        assertThat(migrate.exitCode()).isEqualTo(1);
        assertThat(migrate.output()).contains("127.0.0.1:" + port).contains("after 2 attempts");
    }

    @Test
    void migrateVerifyOnlyFailsOnAnEmptyDirectoryAndPassesAfterMigrate(@org.junit.jupiter.api.io.TempDir Path dataDir) throws Exception {
        Map<String, String> env = Map.of("CHDB_LIBRARY", library(), "CLICKHOUSE_EMBEDDED_DATA", dataDir.toString());
        Outcome verifyFirst = runJava(Application.class, env, "migrate", "--verify-only", "--max-retries", "0");
        assertThat(verifyFirst.exitCode()).as(verifyFirst.output()).isEqualTo(1);
        assertThat(verifyFirst.output()).contains("lacks table(s) ModelInferenceDetails");
        Outcome migrate = runJava(Application.class, env, "migrate", "--include-model-inference");
        assertThat(migrate.exitCode()).as(migrate.output()).isZero();
        assertThat(migrate.output()).contains("migrated database bud").contains("ModelInferenceDetails, ModelInference");
        Outcome verify = runJava(Application.class, env, "migrate", "--verify-only", "--include-model-inference");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(Files.exists(dataDir.resolve(".budmetrics.lock"))).isTrue();
    }
}
