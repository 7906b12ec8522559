package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.actuate.health.DefaultHealthContributorRegistry;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.HealthEndpointGroup;
import org.springframework.boot.actuate.health.HealthEndpointGroups;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.HttpCodeStatusMapper;
import org.springframework.boot.actuate.health.StatusAggregator;

/** The app port's /health answer for each overall status: the status and its HTTP code, never a detail. */
class HealthStatusTest {

    /** Actuator's primary group as configured here (show-details: always). */
    private static final HealthEndpointGroup ALL = new HealthEndpointGroup() {
        @Override
        public boolean isMember(String name) {
            return true;
        }

        @Override
        public boolean showComponents(org.springframework.boot.actuate.endpoint.SecurityContext context) {
            return true;
        }

        @Override
        public boolean showDetails(org.springframework.boot.actuate.endpoint.SecurityContext context) {
            return true;
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return StatusAggregator.getDefault();
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return HttpCodeStatusMapper.DEFAULT;
        }

        @Override
        public org.springframework.boot.actuate.health.AdditionalHealthEndpointPath getAdditionalPath() {
            return null;
        }
    };

    /** ClickHouse reports {@code code} and Redis UP; actuator's default order (DOWN, OUT_OF_SERVICE, UP, UNKNOWN) decides. */
    @ParameterizedTest(name = "clickHouse {0} -> {1} {2}")
    @CsvSource({"UP, UP, 200", "DOWN, DOWN, 503", "OUT_OF_SERVICE, OUT_OF_SERVICE, 503", "UNKNOWN, UP, 200"})
    void answersTheOverallStatusOnly(String code, String overall, int httpStatus) throws Exception {
        HealthIndicator clickHouse = () -> Health.status(code).withDetail("version", "26.5.1.1").withDetail("address", "10.0.0.9:8123").build();
        HealthIndicator redis = () -> Health.up().withDetail("version", "7.4.1").build();
        HealthEndpoint endpoint = new HealthEndpoint(new DefaultHealthContributorRegistry(
                Map.<String, HealthContributor>of("clickHouse", clickHouse, "redis", redis)), HealthEndpointGroups.of(ALL, Map.of()),
                Duration.ofSeconds(10));
        StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("healthEndpoint", endpoint,
                "healthHttpCodeStatusMapper", HttpCodeStatusMapper.DEFAULT));
        HealthStatus health = new HealthStatus(beans.getBeanProvider(HealthEndpoint.class), beans.getBeanProvider(HttpCodeStatusMapper.class),
                new ObjectMapper());
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("dapr-api-token", "echo me not");

        health.reply(exchange);

        assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(httpStatus);
        if (httpStatus == 503) {
            // every 503 of the service says when to come back (SPEC §6b)
            assertThat(exchange.getMessage().getHeaders()).containsOnlyKeys(Exchange.HTTP_RESPONSE_CODE, Exchange.CONTENT_TYPE, "Retry-After");
            assertThat(exchange.getMessage().getHeader("Retry-After", String.class)).isEqualTo("5");
        } else {
            assertThat(exchange.getMessage().getHeaders()).containsOnlyKeys(Exchange.HTTP_RESPONSE_CODE, Exchange.CONTENT_TYPE);
        }
        JsonNode body = new ObjectMapper().readTree(exchange.getMessage().getBody(byte[].class));
        assertThat(body.get("status").asText()).isEqualTo(overall);
        assertThat(body.size()).isEqualTo(1);
    }
}
