package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    private static Map<String, String> columns(Connection connection, String database, String table) throws Exception {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT name, type FROM system.columns WHERE database = ? AND table = ? ORDER BY position")) {
            statement.setString(1, database);
            statement.setString(2, table);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return columns;
    }

    private static void drop(Connection connection, String database) throws Exception {
        try (Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + "");
        }
    }

    @Test
    void createsTheSpecTablesAndIsIdempotent() throws Exception {
        String database = "migrations_it";
        try (Connection connection = TestClickHouse.connector().openConnection("default")) {
            drop(connection, database);
            Migrations migrations = Migrations.load(database, true);
            migrations.apply(connection);
            migrations.apply(connection);
            migrations.verify(connection);

            Map<String, String> details = columns(connection, database, "ModelInferenceDetails");
            assertThat(details).containsEntry("inference_id", "UUID")
                    .containsEntry("request_ip", "Nullable(IPv6)")
                    .containsEntry("project_id", "UUID").containsEntry("endpoint_id", "UUID").containsEntry("model_id", "UUID")
                    .containsEntry("cost", "Nullable(Float64)")
                    .containsEntry("is_success", "Bool")
                    .containsEntry("request_arrival_time", "DateTime64(3)")
                    .containsEntry("request_forward_time", "DateTime64(3)")
                    .containsEntry("status_code", "Nullable(UInt16)")
                    .containsEntry("created_at", "DateTime");
            assertThat(details.get("response_analysis")).startsWith("Nullable(JSON");
            for (String gatewayField : new String[] {"api_key_id", "user_id", "api_key_project_id", "error_code", "error_message", "error_type"}) {
                assertThat(details).containsEntry(gatewayField, "Nullable(String)");
            }
            Map<String, String> inference = columns(connection, database, "ModelInference");
            assertThat(inference).containsEntry("id", "UUID").containsEntry("inference_id", "UUID")
                    .containsEntry("model_name", "LowCardinality(String)")
                    .containsEntry("input_tokens", "Nullable(UInt32)").containsEntry("ttft_ms", "Nullable(UInt32)")
                    .containsEntry("timestamp", "DateTime").containsEntry("cached", "Bool")
                    .containsEntry("finish_reason", "Nullable(Enum8('stop' = 1, 'length' = 2, 'tool_call' = 3, 'content_filter' = 4, 'unknown' = 5))");

            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT engine, sorting_key, partition_key FROM system.tables WHERE database = ? AND name = ?")) {
                statement.setString(1, database);
                statement.setString(2, "ModelInferenceDetails");
                try (ResultSet rows = statement.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getString(1)).endsWith("MergeTree");
                    assertThat(rows.getString(2)).isEqualTo("project_id, model_id, endpoint_id, request_arrival_time, inference_id");
                    assertThat(rows.getString(3)).isEqualTo("toYYYYMM(request_arrival_time)");
                }
            }
            // 008: the rollups merge less eagerly than the engine's default; the detail rows keep the default
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT name, engine_full FROM system.tables WHERE database = ? AND engine LIKE '%MergeTree' ORDER BY name")) {
                statement.setString(1, database);
                Map<String, String> engines = new LinkedHashMap<>();
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        engines.put(rows.getString(1), rows.getString(2));
                    }
                }
                for (String rollup : List.of("InferenceRollup", "InferenceRollupDaily", "InferenceRollupDailyByModel", "InferenceSecondCounts",
                        "InferenceSecondCountsDaily")) {
                    assertThat(engines.get(rollup)).as(rollup).contains("merge_selector_base = 20");
                }
                assertThat(engines.get("ModelInferenceDetails")).doesNotContain("merge_selector_base");
            }
            drop(connection, database);
        }
    }

    @Test
    void modelInferenceIsCreatedOnlyWhenAsked() throws Exception {
        String database = "migrations_noinf_it";
        try (Connection connection = TestClickHouse.connector().openConnection("default")) {
            drop(connection, database);
            Migrations.load(database, false).apply(connection);
            assertThat(columns(connection, database, "ModelInferenceDetails")).isNotEmpty();
            assertThat(columns(connection, database, "ModelInference")).isEmpty();
            drop(connection, database);
        }
    }

    /** 005 (the rollup views that read ModelInference) waits until that table exists, then creates them on a later run. */
    @Test
    void theRollupViewsOverModelInferenceWaitForIt() throws Exception {
        String database = "migrations_rollup_it";
        try (Connection connection = TestClickHouse.connector().openConnection("default")) {
            drop(connection, database);
            Migrations.load(database, false).apply(connection);
            List<String> own = List.of("InferenceRollupDailyByModelFromDaily", "InferenceRollupDailyFromRollup", "InferenceRollupFromPairs",
                    "InferenceRollupFromRequests",
                    "InferenceRollupRequestsFromDetails", "InferenceSecondCountsDailyFromRequests", "InferenceSecondCountsFromRequests");
            assertThat(views(connection, database)).containsExactlyElementsOf(own);
            Migrations.load(database, true).apply(connection);
            assertThat(views(connection, database)).containsExactly("InferenceRollupDailyByModelFromDaily", "InferenceRollupDailyFromRollup",
                    "InferenceRollupFromPairs",
                    "InferenceRollupFromRequests",
                    "InferenceRollupPairsOnDetails", "InferenceRollupPairsOnInference", "InferenceRollupRequestsFromDetails",
                    "InferenceSecondCountsDailyFromRequests", "InferenceSecondCountsFromRequests");
            drop(connection, database);
        }
    }

    private static List<String> views(Connection connection, String database) throws Exception {
        List<String> views = new java.util.ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT name FROM system.tables WHERE database = ? AND engine = 'MaterializedView' ORDER BY name")) {
            statement.setString(1, database);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    views.add(rows.getString(1));
                }
            }
        }
        return views;
    }

    @Test
    void verifyFailsNamingTheMissingTable() throws Exception {
        String database = "migrations_verify_it";
        try (Connection connection = TestClickHouse.connector().openConnection("default")) {
            drop(connection, database);
            Migrations.load(database, true).apply(connection);
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE " + database + ".ModelInference");
            }
            assertThatThrownBy(() -> Migrations.load(database, true).verify(connection))
                    .isInstanceOf(MigrationException.class)
                    .hasMessageContaining("ModelInference")
                    .hasMessageNotContaining("ModelInferenceDetails,");
            Migrations.load(database, false).verify(connection);
            drop(connection, database);
        }
    }

    @Test
    void rejectsADatabaseNameThatIsNotAnIdentifier() {
        assertThatThrownBy(() -> Migrations.load("bud; DROP TABLE x", true)).isInstanceOf(MigrationException.class);
    }
}
