package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * On a cluster every statement of the service carries the settings that make "stored" mean stored on the shards before
 * an event is acknowledged ({@link ClickHouseConnector#sessionSettings()}). The embedded engine is one node and lists no
 * cluster, so the connector is pointed at its port as an external server would be, with the quorum given, and the
 * engine reports the settings it received: on a query through the pool, and inside an insert through
 * {@link EngineClient} (columns whose DEFAULT reads the insert's own settings).
 */
class ClusterSessionSettingsTest {

    private static final String DATABASE = "cluster_settings_it";
    private static final String PROBE = "CREATE TABLE " + DATABASE + ".settings_probe (v UInt8,"
            + " foreground String DEFAULT toString(getSetting('distributed_foreground_insert')),"
            + " quorum String DEFAULT toString(getSetting('insert_quorum')),"
            + " product String DEFAULT toString(getSetting('distributed_product_mode'))) ENGINE = MergeTree ORDER BY v";

    private static ClickHouseConnector connector(ClickHouseProperties.Cluster cluster) {
        ClickHouseConnector engine = TestClickHouse.connector();
        ClickHouseProperties p = engine.properties();
        return ClickHouseConnector.forDatabase(engine, new ClickHouseProperties("127.0.0.1", engine.port(), DATABASE, p.user(), p.password(),
                p.maxRetries(), p.retryDelay(), 2, p.queryTimeout(), false, false, p.embedded(), cluster));
    }

    @Test
    void onAClusterQueriesAndInsertsCarryTheForegroundInsertTheQuorumAndLocalProducts() throws Exception {
        TestClickHouse.database(DATABASE);
        ClickHouseConnector connector = connector(new ClickHouseProperties.Cluster("budmetrics", 2));
        assertThat(connector.sessionSettings()).containsExactly(Map.entry("distributed_foreground_insert", "1"),
                Map.entry("insert_quorum", "2"), Map.entry("distributed_product_mode", "local"));
        try (HikariDataSource dataSource = connector.createDataSource()) {
            assertThat(settingsOfAQuery(dataSource)).containsExactly("true", "2", "local");
            assertThat(settingsOfAnInsert(dataSource)).containsExactly("true", "2", "local");
        }
    }

    @Test
    void onOneNodeTheServersDefaultsStay() throws Exception {
        TestClickHouse.database(DATABASE);
        ClickHouseConnector connector = connector(new ClickHouseProperties.Cluster(null, null));
        assertThat(connector.sessionSettings()).isEmpty();
        try (HikariDataSource dataSource = connector.createDataSource()) {
            assertThat(settingsOfAQuery(dataSource)).containsExactly("false", "0", "deny");
            assertThat(settingsOfAnInsert(dataSource)).containsExactly("false", "0", "deny");
        }
    }

    @Test
    void aClusterTheServerDoesNotListIsRefusedNamingIt() {
        ClickHouseConnector connector = connector(new ClickHouseProperties.Cluster("nowhere", null));
        assertThatThrownBy(connector::sessionSettings).isInstanceOf(MigrationException.class)
                .hasMessageContaining("CLICKHOUSE_CLUSTER=nowhere is not a cluster of the ClickHouse at 127.0.0.1:")
                .hasMessageContaining("system.clusters lists");
    }

    @Test
    void aClusterNeedsAnExternalServerAndAPlainName() {
        ClickHouseProperties.Embedded embedded = TestClickHouse.connector().properties().embedded();
        assertThatThrownBy(() -> new ClickHouseProperties(null, 8123, "bud", "default", "", 1, Duration.ofSeconds(1), 2, Duration.ofSeconds(5),
                false, false, embedded, new ClickHouseProperties.Cluster("budmetrics", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs an external ClickHouse (CLICKHOUSE_HOST)");
        assertThatThrownBy(() -> new ClickHouseProperties.Cluster("a b", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CLICKHOUSE_CLUSTER must be a plain identifier");
        ClickHouseProperties fromEnvironment = ClickHouseProperties.fromEnvironment(Map.of("CLICKHOUSE_HOST", "ch", "CLICKHOUSE_CLUSTER",
                "budmetrics", "CLICKHOUSE_INSERT_QUORUM", "3"));
        assertThat(fromEnvironment.cluster()).isEqualTo(new ClickHouseProperties.Cluster("budmetrics", 3));
        assertThat(ClickHouseProperties.fromEnvironment(Map.of()).cluster().enabled()).isFalse();
    }

    private static List<String> settingsOfAQuery(DataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT toString(getSetting('distributed_foreground_insert')),"
                        + " toString(getSetting('insert_quorum')), toString(getSetting('distributed_product_mode'))")) {
            assertThat(rows.next()).isTrue();
            return List.of(rows.getString(1), rows.getString(2), rows.getString(3));
        }
    }

    private static List<String> settingsOfAnInsert(DataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + DATABASE + ".settings_probe");
            statement.execute(PROBE);
            new EngineClient(dataSource).insertTabSeparated(DATABASE + ".settings_probe", List.of("v"), "1\n".getBytes(StandardCharsets.UTF_8),
                    Map.of(), Duration.ofSeconds(30));
            try (ResultSet rows = statement.executeQuery("SELECT foreground, quorum, product FROM " + DATABASE + ".settings_probe")) {
                List<String> settings = new ArrayList<>();
                assertThat(rows.next()).isTrue();
                for (int i = 1; i <= 3; i++) {
                    settings.add(rows.getString(i));
                }
                assertThat(rows.next()).isFalse();
                return settings;
            }
        }
    }
}
