package ai.bud.metrics.clickhouse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** Health entry "clickHouse": up when {@code SELECT version()} answers through the pool. */
final class ClickHouseHealthIndicator implements HealthIndicator {

    private final DataSource dataSource;
    private final ClickHouseConnector connector;

    ClickHouseHealthIndicator(DataSource dataSource, ClickHouseConnector connector) {
        this.dataSource = dataSource;
        this.connector = connector;
    }

    @Override
    public Health health() {
        Health.Builder builder;
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT version()")) {
            rows.next();
            builder = Health.up().withDetail("version", rows.getString(1));
        } catch (Exception e) {
            builder = Health.down().withDetail("error", ClickHouseConnector.rootMessage(e));
        }
        return builder.withDetail("mode", connector.isEmbedded() ? "embedded" : "external")
                .withDetail("address", connector.host() + ":" + connector.port())
                .withDetail("database", connector.database())
                .build();
    }
}
