package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.components.redisstream.RedisStreamComponent;
import ai.bud.metrics.ingest.IngestProperties;
import ai.bud.metrics.web.FilterOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The beans of the ingest inputs, HTTP and the Redis stream (names as used in routes/ingest-*.camel.yaml). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RedisStreamProperties.class)
class IngestEdgeConfiguration {

    @Bean
    EnvelopeParser envelopeParser(ObjectMapper mapper) {
        return new EnvelopeParser(mapper);
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
