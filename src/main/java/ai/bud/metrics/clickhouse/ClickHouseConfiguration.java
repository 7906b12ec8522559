package ai.bud.metrics.clickhouse;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * The ClickHouse connector and its two pools (SPEC §6b): {@code dataSource}, which every route and bean uses (ingestion
 * first: its statements run at a higher engine priority and, on the embedded engine, on connections kept for them), and
 * the analytics pool, which only analytics queries take, no larger than the analytics slots.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ClickHouseProperties.class)
class ClickHouseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ClickHouseConfiguration.class);

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
    @Primary
    HikariDataSource dataSource(ClickHouseConnector connector, @Value("${budmetrics.clickhouse.ingest-priority:1}") int ingestPriority,
            MeterRegistry meters) {
        HikariDataSource pool = connector.createIngestDataSource(ingestPriority);
        int limit = connector.isEmbedded() ? connector.properties().embedded().ingestConnections() : connector.properties().poolSize();
        Gauge.builder("budmetrics.slots.in.use", pool, p -> p.getHikariPoolMXBean() == null ? 0 : p.getHikariPoolMXBean().getActiveConnections())
                .tag("kind", "ingest").description("engine statements of ingestion (and every statement but analytics) in flight")
                .register(meters);
        Gauge.builder("budmetrics.slots.limit", () -> limit).tag("kind", "ingest").register(meters);
        return pool;
    }

    /**
     * The analytics pool: {@code ANALYTICS_MAX_CONCURRENT_QUERIES} connections, and on the embedded engine no more than its
     * query connections ({@code CLICKHOUSE_EMBEDDED_CONNECTIONS}), so that a held slot always has an engine connection.
     */
    @Bean(destroyMethod = "close")
    HikariDataSource analyticsDataSource(ClickHouseConnector connector, @Value("${budmetrics.web.query-gate.permits:4}") int permits) {
        int slots = permits;
        if (connector.isEmbedded() && permits > connector.properties().embedded().connections()) {
            slots = connector.properties().embedded().connections();
            log.warn("ANALYTICS_MAX_CONCURRENT_QUERIES ({}) is more than the embedded engine's query connections"
                    + " (CLICKHOUSE_EMBEDDED_CONNECTIONS, {}): {} analytics slots", permits, slots, slots);
        }
        return connector.createDataSource("clickhouse-analytics", Math.max(1, slots), Map.of());
    }

    /**
     * The one seam analytics/ uses to run queries (no driver type outside clickhouse/): queries on the analytics pool,
     * cancels through the main one.
     */
    @Bean
    EngineClient engineClient(@Qualifier("analyticsDataSource") HikariDataSource analytics, DataSource dataSource,
            ClickHouseConnector connector) {
        return new EngineClient(analytics, dataSource, connector.isEmbedded());
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
