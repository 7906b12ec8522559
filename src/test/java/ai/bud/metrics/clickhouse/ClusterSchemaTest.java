package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cluster form of the migrations ({@link ClusterSchema}): golden files pin it, per migration, for the service's
 * migrations and for a fixture in the shape of the rollup migrations (src/test/resources/cluster-fixture/), and the
 * engine parses every statement ({@code formatQuery}, the statement bound as a parameter). No Keeper or second server
 * here: ON CLUSTER and Replicated engines are parsed, not run (docs/SCALING.md). To accept a change of the cluster form,
 * run {@code mvn test -Dtest=ClusterSchemaTest -Dgolden.update=true}, review the diff and commit it; a new migration's
 * golden file is written the same way.
 */
class ClusterSchemaTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden/cluster");
    static final String CLUSTER = "budmetrics";
    static final List<String> WITH_FIXTURE = List.of(Migrations.LOCATION, "classpath*:cluster-fixture/*.sql");
    private static final DataSource FORMATTER = TestClickHouse.database("cluster_schema_format");

    private static Map<String, List<String>> byMigration(Migrations migrations) {
        Map<String, List<String>> statements = new LinkedHashMap<>();
        for (Migrations.Step step : migrations.plan()) {
            statements.computeIfAbsent(step.migration(), name -> new ArrayList<>()).add(step.sql());
        }
        return statements;
    }

    static Stream<Arguments> migrations() {
        return byMigration(Migrations.load("bud", true, CLUSTER, WITH_FIXTURE)).entrySet().stream()
                .map(entry -> Arguments.of(entry.getKey(), entry.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("migrations")
    void matchesGoldenAndParses(String migration, List<String> statements) throws Exception {
        Path file = GOLDEN.resolve(migration.replace(".sql", "") + ".sql");
        String actual = String.join("", statements.stream().map(sql -> sql + ";\n\n").toList());
        if (Boolean.getBoolean("golden.update") || !Files.exists(file)) {
            Files.writeString(file, actual);
            assertThat(Boolean.getBoolean("golden.update")).as("golden file " + file + " was missing; written, review and commit it").isTrue();
        }
        List<String> golden = List.of(Files.readString(file).split(";\n\n"));
        assertThat(golden.stream().map(String::strip).filter(sql -> !sql.isEmpty()).toList()).hasSameSizeAs(statements);
        for (int i = 0; i < statements.size(); i++) {
            String formatted = formatted(statements.get(i));
            assertThat(formatted).as("statement %d of %s", i, migration).isEqualTo(formatted(golden.get(i)));
            if (!formatted.startsWith("INSERT")) {
                assertThat(formatted).as("every DDL statement runs on the whole cluster").contains(" ON CLUSTER " + CLUSTER);
            }
        }
    }

    /**
     * ClickHouse's own formatting of {@code sql} ({@code formatQuery} on the embedded engine, the statement a query
     * parameter): a statement it cannot parse fails here. The answer is one String column in RowBinaryWithNamesAndTypes.
     */
    static String formatted(String sql) throws Exception {
        EngineClient engine = new EngineClient(FORMATTER);
        try (DataInputStream answer = new DataInputStream(engine.queryRowBinary("SELECT formatQuery({sql:String})",
                Map.of("sql", TabSeparated.escape(new StringBuilder(), sql).toString())))) {
            assertThat(varint(answer)).isEqualTo(1);
            string(answer); // its name
            assertThat(string(answer)).isEqualTo("String");
            return string(answer);
        }
    }

    @Test
    void theParseCheckRefusesWhatTheEngineCannotParse() throws Exception {
        assertThat(formatted("CREATE TABLE bud.T_local ON CLUSTER c (a UInt8) ENGINE = ReplicatedMergeTree('/p/{shard}', '{replica}') ORDER BY a"))
                .contains("ON CLUSTER c");
        assertThatThrownBy(() -> formatted("CREATE TABLE bud.T ON CLUSTER AS bud.T_local ENGINE = Distributed(c, bud, T_local, rand())"))
                .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("Syntax error");
    }

    private static long varint(DataInputStream in) throws IOException {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return value;
            }
        }
    }

    private static String string(DataInputStream in) throws IOException {
        byte[] bytes = new byte[(int) varint(in)];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void tablesBecomeReplicatedLocalTablesUnderDistributedOnesShardedByInferenceId() {
        Map<String, List<String>> plan = byMigration(Migrations.load("bud", true, CLUSTER));
        assertThat(plan.get(Migrations.DATABASE_STEP)).containsExactly("CREATE DATABASE IF NOT EXISTS bud ON CLUSTER budmetrics");
        List<String> details = plan.get("001_model_inference_details.sql");
        assertThat(details).hasSize(2);
        assertThat(details.get(0)).startsWith("CREATE TABLE IF NOT EXISTS bud.ModelInferenceDetails_local ON CLUSTER budmetrics\n(")
                .contains("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')")
                .contains("ORDER BY (project_id, model_id, endpoint_id, request_arrival_time, inference_id)");
        assertThat(details.get(1)).isEqualTo("CREATE TABLE IF NOT EXISTS bud.ModelInferenceDetails ON CLUSTER budmetrics AS "
                + "bud.ModelInferenceDetails_local\nENGINE = Distributed(budmetrics, bud, ModelInferenceDetails_local, cityHash64(inference_id))");
        assertThat(plan.get("002_model_inference.sql").get(1)).endsWith("Distributed(budmetrics, bud, ModelInference_local, cityHash64(inference_id))");
        List<String> deadLetters = plan.get("003_ingest_dead_letter.sql");
        assertThat(deadLetters.get(1)).as("its inference_id is Nullable text: no shard key of it")
                .endsWith("Distributed(budmetrics, bud, IngestDeadLetter_local, rand())");
        assertThat(deadLetters.get(2)).as("a skip index is data layout: the local table only")
                .startsWith("ALTER TABLE bud.ModelInferenceDetails_local ON CLUSTER budmetrics ADD INDEX IF NOT EXISTS idx_inference_id");
        assertThat(deadLetters).hasSize(3);
        assertThat(Migrations.load("bud", true, CLUSTER).expectedTables()).containsSubsequence("ModelInferenceDetails",
                "ModelInferenceDetails_local", "ModelInference", "ModelInference_local", "IngestDeadLetter", "IngestDeadLetter_local");
    }

    @Test
    void rollupMigrationsBecomeViewsOnTheLocalTablesAndBackfillsThroughTheDistributedOnes() {
        List<String> fixture = byMigration(Migrations.load("bud", true, CLUSTER, WITH_FIXTURE)).get("900_rollup_fixture.sql");
        assertThat(fixture.get(0)).contains("bud.FixtureMinuteRollup_local ON CLUSTER budmetrics")
                .contains("ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')\nPARTITION BY");
        assertThat(fixture.get(1)).as("rollup rows are where the view on the inference's shard wrote them: no key of theirs says where")
                .endsWith("Distributed(budmetrics, bud, FixtureMinuteRollup_local, rand())");
        assertThat(fixture.get(2)).contains("ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', "
                + "'{replica}', (requests))").endsWith("SETTINGS index_granularity = 8192");
        assertThat(fixture.get(4)).contains("ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')\nORDER BY");
        assertThat(fixture.get(6)).as("a Null table stores nothing: kept on every node, under its name")
                .startsWith("CREATE TABLE IF NOT EXISTS bud.FixtureRequests ON CLUSTER budmetrics\n(").endsWith("ENGINE = Null");
        String minuteFeed = fixture.get(7);
        assertThat(minuteFeed).startsWith("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.FixtureMinuteRollupFeed ON CLUSTER budmetrics "
                + "TO bud.FixtureMinuteRollup_local AS").contains("FROM bud.ModelInferenceDetails_local\n").doesNotContain("ModelInferenceDetails\n");
        assertThat(fixture.get(8)).contains("TO bud.FixtureSecondCounts_local").contains("FROM bud.FixtureRequests GROUP BY");
        assertThat(fixture.get(9)).contains("TO bud.FixtureRequests AS").contains("FROM bud.ModelInferenceDetails_local /* the trigger */");
        assertThat(fixture.get(10)).contains("FROM bud.ModelInference_local AS i\nINNER JOIN bud.ModelInferenceDetails_local AS d");
        assertThat(fixture.get(11)).as("a backfill runs once, through the Distributed tables")
                .startsWith("INSERT INTO bud.FixtureMinuteRollup\nSELECT").contains("FROM bud.ModelInferenceDetails\n")
                .contains("(SELECT count() FROM bud.FixtureMinuteRollup) = 0").doesNotContain("_local");
        assertThat(fixture.get(12)).as("into the Null table of the node the migration talks to, whose views write its shard")
                .startsWith("INSERT INTO bud.FixtureRequests (").doesNotContain("_local");
        assertThat(fixture.get(13)).startsWith("ALTER TABLE bud.FixtureMinuteRollup_local ON CLUSTER budmetrics ADD INDEX");
        assertThat(fixture.get(14)).isEqualTo("ALTER TABLE bud.FixtureSecondCounts_local ON CLUSTER budmetrics ADD COLUMN IF NOT EXISTS "
                + "failures UInt64 DEFAULT 0, MODIFY SETTING merge_with_ttl_timeout = 3600");
        assertThat(fixture.get(15)).as("the Distributed table gets the column change, not the setting")
                .isEqualTo("ALTER TABLE bud.FixtureSecondCounts ON CLUSTER budmetrics ADD COLUMN IF NOT EXISTS failures UInt64 DEFAULT 0");
        assertThat(fixture.get(16)).startsWith("CREATE VIEW IF NOT EXISTS bud.FixtureHourly ON CLUSTER budmetrics AS")
                .contains("FROM bud.FixtureMinuteRollup GROUP BY");
        assertThat(fixture).hasSize(17);
        assertThat(Migrations.load("bud", true, CLUSTER, WITH_FIXTURE).expectedTables()).contains("FixtureRequests")
                .doesNotContain("FixtureRequests_local");
    }

    /** The fixture is what a rollup migration looks like for one node: it runs there as it is, twice. */
    @Test
    void theFixtureIsValidSingleNodeDdl() throws Exception {
        String database = "cluster_fixture_it";
        Migrations migrations = Migrations.load(database, true, null, WITH_FIXTURE);
        try (Connection connection = TestClickHouse.connector().openConnection("default"); Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database);
            migrations.apply(connection);
            migrations.apply(connection);
            migrations.verify(connection);
            assertThat(migrations.expectedTables()).contains("FixtureMinuteRollup", "FixtureSecondCounts", "FixtureTokenRollup")
                    .noneMatch(table -> table.endsWith("_local"));
            statement.execute("DROP DATABASE IF EXISTS " + database);
        }
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("CREATE TABLE IF NOT EXISTS bud.T (a UInt8) ENGINE = Memory", "engine Memory has no Replicated form"),
                Arguments.of("ALTER TABLE bud.IngestDeadLetter_local ADD COLUMN x UInt8", "no earlier migration creates as a table"),
                Arguments.of("CREATE TABLE IF NOT EXISTS bud.T ENGINE = MergeTree ORDER BY a AS SELECT 1 AS a", "with a column list"),
                Arguments.of("CREATE TABLE IF NOT EXISTS T (a UInt8) ENGINE = MergeTree ORDER BY a", "${database}.<name>"),
                Arguments.of("CREATE TABLE IF NOT EXISTS bud.T ON CLUSTER c (a UInt8) ENGINE = MergeTree ORDER BY a", "already says ON CLUSTER"),
                Arguments.of("CREATE TABLE IF NOT EXISTS bud.T (a UInt8) ENGINE = ReplicatedMergeTree('/p', 'r') ORDER BY a",
                        "engine ReplicatedMergeTree has no Replicated form"),
                Arguments.of("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V ENGINE = SummingMergeTree ORDER BY a AS SELECT 1 AS a FROM bud.ModelInferenceDetails",
                        "needs TO <table>"),
                Arguments.of("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V REFRESH EVERY 1 HOUR TO bud.IngestDeadLetter AS SELECT 1",
                        "refreshable"),
                Arguments.of("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V TO bud.Elsewhere AS SELECT 1 FROM bud.ModelInferenceDetails",
                        "writes bud.Elsewhere, which no earlier migration creates"),
                Arguments.of("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V TO bud.IngestDeadLetter AS SELECT * FROM bud.GatewayOnly",
                        "reads bud.GatewayOnly, which no earlier migration creates"),
                Arguments.of("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V TO bud.IngestDeadLetter AS SELECT * FROM ModelInferenceDetails",
                        "without its database"),
                Arguments.of("ALTER TABLE bud.ModelInferenceDetails DELETE WHERE is_success", "ALTER command DELETE WHERE"),
                Arguments.of("ALTER TABLE bud.Nowhere ADD COLUMN x UInt8", "no earlier migration creates as a table"),
                Arguments.of("DROP TABLE IF EXISTS bud.ModelInferenceDetails", "no cluster form for this kind of statement"),
                Arguments.of("RENAME TABLE bud.IngestDeadLetter TO bud.DeadLetters", "no cluster form for this kind of statement"),
                Arguments.of("OPTIMIZE TABLE bud.ModelInferenceDetails FINAL", "no cluster form for this kind of statement"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void statementsWithoutAClusterFormAreRefusedWithTheReason(String statement, String reason) {
        ClusterSchema schema = afterTheMigrations();
        assertThatThrownBy(() -> schema.rewrite(statement)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }

    @Test
    void aViewMayReadATableItsOwnerMadeTheClusterWay() {
        ClusterSchema schema = afterTheMigrations();
        String view = "CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V TO bud.IngestDeadLetter AS SELECT toString(inference_id) AS inference_id"
                + " FROM bud.GatewayOnly";
        assertThatThrownBy(() -> schema.rewrite(view)).hasMessageContaining("reads bud.GatewayOnly, which no earlier migration creates");
        schema.external("GatewayOnly");
        assertThat(schema.rewrite(view)).containsExactly("CREATE MATERIALIZED VIEW IF NOT EXISTS bud.V ON CLUSTER budmetrics TO "
                + "bud.IngestDeadLetter_local AS SELECT toString(inference_id) AS inference_id FROM bud.GatewayOnly_local");
    }

    @Test
    void aMigrationWithoutAClusterFormFailsNamingItsFileAndStatementBeforeAnythingRuns() {
        Migrations migrations = Migrations.load("bud", false, CLUSTER, List.of(Migrations.LOCATION, "classpath*:cluster-fixture-refused/*.sql"));
        assertThatThrownBy(migrations::plan).isInstanceOf(MigrationException.class)
                .hasMessageContaining("migration 901_refreshable.sql")
                .hasMessageContaining("`CREATE MATERIALIZED VIEW IF NOT EXISTS bud.RefreshedEveryMinute REFRESH EVERY 1 MINUTE")
                .hasMessageContaining("refreshable materialized view");
        assertThat(Migrations.load("bud", false, null, List.of(Migrations.LOCATION, "classpath*:cluster-fixture-refused/*.sql")).plan())
                .as("on one node it is an ordinary statement").hasSize(Migrations.load("bud", false, null).plan().size() + 1);
    }

    @Test
    void migratePrintsTheClusterStatementsWithoutConnecting() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = MigrateCommand.run(new String[] {"--cluster", "analytics", "--print"}, Map.of("CLICKHOUSE_DB_NAME", "metrics"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).startsWith("-- database\nCREATE DATABASE IF NOT EXISTS metrics ON CLUSTER analytics;\n")
                .contains("-- 001_model_inference_details.sql\nCREATE TABLE IF NOT EXISTS metrics.ModelInferenceDetails_local ON CLUSTER analytics")
                .contains("Distributed(analytics, metrics, ModelInferenceDetails_local, cityHash64(inference_id));")
                .doesNotContain("CREATE TABLE IF NOT EXISTS metrics.ModelInference_local")
                // the gateway's table, made the cluster way by its owner: the rollup views on each node read its local table
                .contains("FROM metrics.ModelInference_local");

        ByteArrayOutputStream refused = new ByteArrayOutputStream();
        status = MigrateCommand.run(new String[] {"--cluster", "analytics"}, Map.of(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(refused, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(refused.toString(StandardCharsets.UTF_8)).contains("CLICKHOUSE_CLUSTER=analytics needs an external ClickHouse");
    }

    /** A schema that has rewritten every migration, ModelInference left to the gateway (as the cluster plan declares it). */
    private static ClusterSchema afterTheMigrations() {
        ClusterSchema schema = new ClusterSchema(CLUSTER, "bud");
        schema.external("ModelInference");
        for (Migrations.Step step : Migrations.load("bud", false, null).plan()) {
            schema.rewrite(step.sql());
        }
        return schema;
    }
}
