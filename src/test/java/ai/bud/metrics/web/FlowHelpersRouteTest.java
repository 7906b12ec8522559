package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** QueryGate and ServerTimingSteps used the way docs/OPERATIONS.md tells a route to use them. */
class FlowHelpersRouteTest {

    private final QueryGate gate = new QueryGate(1, Duration.ZERO, Duration.ofSeconds(5));
    private CamelContext camel;
    private ProducerTemplate producer;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.getRegistry().bind("queryGate", gate);
        camel.getCamelContextExtension().addInterceptStrategy(new ServerTimingSteps(Map.of("gate", "wait", "reply", "serialize")));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:query").routeId("query")
                        .bean("queryGate", "enter").id("gate")
                        .choice().when(body().isEqualTo("fail")).throwException(new IllegalStateException("query failed")).end()
                        .setBody(constant("answer")).id("reply")
                        .removeHeaders("*");
            }
        });
        camel.start();
        producer = camel.createProducerTemplate();
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @Test
    void permitIsReturnedWhenTheExchangeCompletes() {
        Exchange done = producer.send("direct:query", e -> e.getMessage().setBody("ok"));

        assertThat(done.getException()).isNull();
        assertThat(gate.available()).isEqualTo(1);
        String header = done.getMessage().getHeader(ServerTiming.HEADER, String.class);
        assertThat(header).as("written after removeHeaders, as the exchange leaves the route")
                .matches("wait;dur=\\d+\\.\\d, serialize;dur=\\d+\\.\\d");
    }

    @Test
    void permitIsReturnedWhenTheExchangeFails() {
        assertThatThrownBy(() -> producer.requestBody("direct:query", "fail"))
                .isInstanceOf(CamelExecutionException.class).hasRootCauseMessage("query failed");

        assertThat(gate.available()).isEqualTo(1);
        assertThat(producer.send("direct:query", e -> e.getMessage().setBody("ok")).getException()).isNull();
    }
}
