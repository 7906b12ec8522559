package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** The flow of routes/analytics.camel.yaml: a cache hit does not query ClickHouse; no-cache does; errors are enveloped. */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(properties = "budmetrics.clickhouse.database=analytics_route")
class AnalyticsRouteTest {

    static final String BODY = "{\"metrics\":[\"request_count\"],\"from_date\":\"2021-03-01T00:00:00Z\",\"to_date\":\"2021-03-02T00:00:00Z\"}";

    @Autowired
    CamelContext context;

    @Autowired
    ProducerTemplate producer;

    @Test
    void cacheHitSkipsTheQueryAndNoCacheRunsIt() throws Exception {
        AdviceWith.adviceWith(context, "analytics", route -> {
            route.weaveById("clickhouse-query").after().to("mock:queried");
        });
        context.start();
        MockEndpoint queried = context.getEndpoint("mock:queried", MockEndpoint.class);

        Exchange first = send(BODY, Map.of(Exchange.CONTENT_TYPE, "application/json"));
        Exchange second = send(BODY.replace("{", "{\"return_delta\":true,"), Map.of());
        Exchange refreshed = send(BODY, Map.of("Cache-Control", "no-cache"));
        Exchange invalid = send("{\"metrics\":[\"nope\"]}", Map.of());

        assertThat(first.getMessage().getHeader("X-Cache")).isEqualTo("MISS");
        assertThat(second.getMessage().getHeader("X-Cache")).isEqualTo("HIT");
        assertThat(refreshed.getMessage().getHeader("X-Cache")).isEqualTo("MISS");
        assertThat(queried.getReceivedCounter()).isEqualTo(2);
        assertThat(new String(second.getMessage().getBody(byte[].class), StandardCharsets.UTF_8))
                .isEqualTo(new String(first.getMessage().getBody(byte[].class), StandardCharsets.UTF_8))
                .startsWith("{\"object\":\"observability_metrics\"");
        assertThat(invalid.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(422);
        assertThat(new String(invalid.getMessage().getBody(byte[].class), StandardCharsets.UTF_8)).contains("\"field\":\"metrics[0]\"");
    }

    private Exchange send(String body, Map<String, Object> headers) {
        return producer.send("direct:analytics", exchange -> {
            exchange.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
            exchange.getMessage().setHeaders(new java.util.HashMap<>(headers));
        });
    }
}
