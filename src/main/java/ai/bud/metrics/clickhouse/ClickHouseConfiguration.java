package ai.bud.metrics.clickhouse;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The ClickHouse connector and the one DataSource every route and bean uses. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ClickHouseProperties.class)
class ClickHouseConfiguration {

    @Bean(destroyMethod = "close")
    ClickHouseConnector clickHouseConnector(ClickHouseProperties properties) {
        ClickHouseConnector connector = ClickHouseConnector.start(properties);
        try {
            connector.awaitReachable();
            if (properties.migrateOnStartup()) {
                connector.migrate(properties.shouldCreateModelInference(), false);
            }
            return connector;
        } catch (RuntimeException e) {
            connector.close();
            throw e;
        }
    }

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(ClickHouseConnector connector) {
        return connector.createDataSource();
    }

    /** The one seam analytics/ and ingest/ use to run queries and inserts (no driver type outside clickhouse/). */
    @Bean
    EngineClient engineClient(DataSource dataSource, ClickHouseConnector connector) {
        return new EngineClient(dataSource, connector.isEmbedded());
    }

    @Bean
    ClickHouseHealthIndicator clickHouseHealthIndicator(DataSource dataSource, ClickHouseConnector connector) {
        return new ClickHouseHealthIndicator(dataSource, connector);
    }

    @Bean(destroyMethod = "close")
    ClickHouseUpGauge clickHouseUpGauge(ClickHouseHealthIndicator check, MeterRegistry meters) {
        return new ClickHouseUpGauge(check, meters);
    }
}
