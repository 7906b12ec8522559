package ai.bud.metrics.ingest;

import ai.bud.metrics.clickhouse.ClickHouseProperties;
import ai.bud.metrics.clickhouse.SendOnceStatements;
import ai.bud.metrics.ingest.dedup.Deduplicator;
import ai.bud.metrics.ingest.dedup.TableIdentity;
import ai.bud.metrics.ingest.store.BatchWriter;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The beans of the shared ingest flow, its dedup and its store (names as used in routes/ingest-*.camel.yaml); the
 * inputs' beans are in {@code ingest.edge}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IngestProperties.class)
class IngestConfiguration {

    @Bean
    TableIdentity detailsTableIdentity(DataSource dataSource, IngestProperties properties) {
        return new TableIdentity(dataSource, BatchWriter.TABLE, properties.dedup().tableCheck());
    }

    @Bean
    Deduplicator deduplicator(StringRedisTemplate redis, IngestProperties properties, ClickHouseProperties clickHouse,
            TableIdentity detailsTableIdentity) {
        IngestProperties.Dedup dedup = properties.dedup();
        Deduplicator deduplicator = new Deduplicator(redis, dedup.keyPrefix(), clickHouse.database(), dedup.claimTtl(), dedup.claimWait(),
                dedup.doneTtl(), dedup.clockSkew(), detailsTableIdentity::current);
        try {
            // start the key set's clock now rather than at the first delivery (see Deduplicator#provenUnseen)
            deduplicator.open();
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(IngestConfiguration.class).warn("Redis not reached at start-up ({}); dedup keys start with the first delivery",
                    e.getMessage());
        }
        return deduplicator;
    }

    @Bean
    BatchWriter batchWriter(DataSource dataSource, IngestProperties properties) {
        // an insert must finish well within the claim that protects it
        return new BatchWriter(dataSource, (int) Math.max(1, properties.dedup().claimTtl().toSeconds() / 2), properties.insert().maxRows(),
                properties.insert().writers(), properties.insert().linger());
    }

    @Bean("ingestFlow")
    IngestFlow ingestFlow(Deduplicator deduplicator, BatchWriter writer, MeterRegistry meters) {
        return new IngestFlow(deduplicator, writer, meters);
    }

    /** The per-event view for routes that ask for it (eventFilter.drop); the shipped routes do not. */
    @Bean("eventFilter")
    EventFilter eventFilter() {
        return new EventFilter();
    }

    /** camel-sql statements the ClickHouse client sends at most once (the dead-letter insert: routes/dead-letter.camel.yaml). */
    @Bean("sendOnceStatements")
    SendOnceStatements sendOnceStatements() {
        return new SendOnceStatements();
    }
}
