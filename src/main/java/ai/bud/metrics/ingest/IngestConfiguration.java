package ai.bud.metrics.ingest;

import ai.bud.metrics.clickhouse.ClickHouseProperties;
import ai.bud.metrics.clickhouse.SendOnceStatements;
import ai.bud.metrics.components.redisstream.RedisStreamComponent;
import ai.bud.metrics.web.FilterOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The beans the ingest routes call (names as used in routes/ingest-*.camel.yaml). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({IngestProperties.class, RedisStreamProperties.class})
class IngestConfiguration {

    @Bean
    EnvelopeParser envelopeParser(ObjectMapper mapper) {
        return new EnvelopeParser(mapper);
    }

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
                properties.insert().writers());
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

    @Bean("ingestHttp")
    IngestHttp ingestHttp(EnvelopeParser parser, ObjectMapper mapper, IngestProperties properties) {
        return new IngestHttp(parser, mapper, properties.maxBodySize().toBytes());
    }

    @Bean
    FilterRegistrationBean<IngestRequestFilter> ingestRequestFilter(ObjectMapper mapper, IngestProperties properties) {
        FilterRegistrationBean<IngestRequestFilter> registration = new FilterRegistrationBean<>(
                new IngestRequestFilter(mapper, properties.maxBodySize().toBytes()));
        registration.addUrlPatterns("/observability/add");
        // before the rate limiter, which reads the body to count its events
        registration.setOrder(FilterOrder.INGEST_REQUEST_CHECK);
        return registration;
    }

    @Bean("redisStreamEntries")
    RedisStreamEntries redisStreamEntries(EnvelopeParser parser, ObjectMapper mapper, RedisStreamProperties settings) {
        return new RedisStreamEntries(parser, mapper, settings.eventTypes());
    }

    @Bean
    RedisIngestHealthIndicator redisIngestHealthIndicator(RedisStreamComponent streams, RedisStreamProperties settings) {
        return new RedisIngestHealthIndicator(streams, settings);
    }
}
