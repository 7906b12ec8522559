package ai.bud.metrics.support;

import ai.bud.metrics.clickhouse.ClickHouseConnector;
import ai.bud.metrics.clickhouse.ClickHouseProperties;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The test JVM's embedded ClickHouse for tests that run without Spring. It opens the same process-wide
 * engine (same data directory, from the surefire system properties) that Spring contexts share, so both
 * kinds of test can run in one JVM. Suites isolate themselves by database name: {@link #database(String)}.
 */
public final class TestClickHouse {

    private static ClickHouseConnector connector;

    private TestClickHouse() {
    }

    public static synchronized ClickHouseConnector connector() {
        if (connector == null) {
            Path dataDir = Path.of(System.getProperty("budmetrics.clickhouse.embedded.data-dir", "target/chdb-test-data"));
            ClickHouseProperties defaults = ClickHouseProperties.fromEnvironment(Map.of());
            ClickHouseProperties properties = new ClickHouseProperties(null, 8123, "bud", "default", "", 3, Duration.ofMillis(200), 8,
                    Duration.ofSeconds(60), true, true, new ClickHouseProperties.Embedded(dataDir, 0, defaults.embedded().library(), 4));
            connector = ClickHouseConnector.start(properties);
            Runtime.getRuntime().addShutdownHook(new Thread(connector::close, "test-clickhouse-close"));
        }
        return connector;
    }

    /** A fresh database of that name with the full schema (dropped first if a previous run left it). */
    public static synchronized DataSource database(String name) {
        ClickHouseConnector base = connector();
        try (Connection connection = base.openConnection("default"); Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + "");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        ClickHouseProperties p = base.properties();
        ClickHouseProperties scoped = new ClickHouseProperties(null, p.port(), name, p.user(), p.password(), p.maxRetries(),
                p.retryDelay(), p.poolSize(), p.queryTimeout(), true, true, p.embedded());
        ClickHouseConnector.forDatabase(base, scoped).migrate(true, false);
        HikariDataSource dataSource = ClickHouseConnector.forDatabase(base, scoped).createDataSource();
        Runtime.getRuntime().addShutdownHook(new Thread(dataSource::close));
        return dataSource;
    }
}
