package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainQueryCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsSqlAndParametersWithoutRunningIt() throws Exception {
        Path file = dir.resolve("request.json");
        Files.writeString(file, "{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-02T00:00:00Z\","
                + "\"filters\":{\"model\":\"6a0e3c8e-2f4b-4c47-9c1e-0d6f2a1b3c4d\"},\"exact_percentiles\":true}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ExplainQueryCommand.run(new String[] {file.toString()}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(text).contains("-- answered from: raw\n-- SQL", "FROM ModelInferenceDetails AS d", "quantileExactInclusive(0.95)(response_time_ms)",
                "    {range_from:DateTime64(3, 'UTC')} AS range_from,", "AND d.model_id IN {model_ids:Array(UUID)}",
                "\nSETTINGS max_execution_time = 60\n-- parameters (sent as param_<name>)\n",
                "\n{range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000\n",
                "\n{model_ids:Array(UUID)} = ['6a0e3c8e-2f4b-4c47-9c1e-0d6f2a1b3c4d']\n");
        assertThat(text).doesNotContain("?");
    }

    /** The statement as the service sends it: its SETTINGS follow the same environment variables. */
    @Test
    void printsTheSettingsTheServiceWouldSend() throws Exception {
        Path file = dir.resolve("topk.json");
        Files.writeString(file, "{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-02T00:00:00Z\","
                + "\"group_by\":[\"model\"],\"topk\":3}");
        String embedded = explain(file, Map.of("CLICKHOUSE_QUERY_TIMEOUT_SECONDS", "7"));
        String external = explain(file, Map.of("CLICKHOUSE_HOST", "ch.internal"));

        assertThat(embedded).contains("source AS MATERIALIZED (", "\nSETTINGS max_execution_time = 7, enable_materialized_cte = 1\n",
                "\n{topk:UInt64} = 3\n");
        assertThat(external).doesNotContain("MATERIALIZED").contains("\nSETTINGS max_execution_time = 60\n");
    }

    private static String explain(Path file, Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = ExplainQueryCommand.run(new String[] {file.toString()}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        assertThat(code).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void explainsWhyARequestIsRejected() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01\",\"topk\":2}");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ExplainQueryCommand.run(new String[] {file.toString()}, Map.of(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("422", "topk");
    }
}
