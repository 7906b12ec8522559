package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ToDefinition;
import org.junit.jupiter.api.Test;

/** Which steps get timed, what the header says, and when it is left out. */
class ServerTimingStepsTest {

    private final ServerTimingSteps steps = new ServerTimingSteps(Map.of("parse-request", "parse", "compress-body", "compress"));

    @Test
    void onlyTheListedStepsAreWrapped() throws Exception {
        Processor step = exchange -> { };
        ToDefinition unlisted = new ToDefinition("direct:x");
        unlisted.setId("build-query");
        ToDefinition listed = new ToDefinition("direct:x");
        listed.setId("parse-request");

        assertThat(steps.wrapProcessorInInterceptors(null, unlisted, step, null)).isSameAs(step);
        assertThat(steps.wrapProcessorInInterceptors(null, new ToDefinition("direct:x"), step, null)).isSameAs(step);
        assertThat(steps.wrapProcessorInInterceptors(null, listed, step, null)).isNotSameAs(step);
    }

    @Test
    void aMetricNameMustBeAHeaderToken() {
        assertThatThrownBy(() -> new ServerTimingSteps(Map.of("parse-request", "parse time")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parse time");
    }

    @Test
    void theHeaderNamesTheTimedStepsInOrderAndSumsARepeatedName() throws Exception {
        try (CamelContext camel = camel(new ServerTimingSteps(Map.of("a", "parse", "b", "cache", "c", "parse")))) {
            Exchange done = camel.createProducerTemplate().send("direct:steps", e -> e.getMessage().setBody("ok"));

            assertThat(done.getException()).isNull();
            assertThat(done.getMessage().getHeader(ServerTiming.HEADER, String.class))
                    .matches("parse;dur=\\d+\\.\\d, cache;dur=\\d+\\.\\d");
            assertThat(done.getMessage().getBody(String.class)).isEqualTo("ok a b c");
        }
    }

    /** Each exchange's durations become timers per route and metric once it is done: the header's values, counted once. */
    @Test
    void theDurationsAreRecordedAsTimersPerRouteAndStep() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (CamelContext camel = camel(new ServerTimingSteps(Map.of("a", "parse", "b", "cache", "c", "parse"), meters))) {
            ProducerTemplate producer = camel.createProducerTemplate();
            Exchange first = producer.send("direct:steps", e -> e.getMessage().setBody("ok"));
            double parseMillis = Double.parseDouble(first.getMessage().getHeader(ServerTiming.HEADER, String.class)
                    .replaceAll("^parse;dur=([0-9.]+),.*$", "$1"));
            io.micrometer.core.instrument.Timer parse = meters.get(ServerTimingSteps.METER).tag("route", "steps").tag("step", "parse").timer();
            assertThat(parse.count()).isEqualTo(1);
            assertThat(parse.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isCloseTo(parseMillis,
                    org.assertj.core.data.Offset.offset(0.05));

            producer.send("direct:steps", e -> e.getMessage().setBody("ok"));
            producer.send("direct:untimed", e -> e.getMessage().setBody("ok"));

            assertThat(parse.count()).isEqualTo(2);
            assertThat(meters.get(ServerTimingSteps.METER).tag("route", "steps").tag("step", "cache").timer().count()).isEqualTo(2);
            assertThat(meters.find(ServerTimingSteps.METER).tag("route", "untimed").timers()).isEmpty();
        }
    }

    @Test
    void aRouteWithoutTimedStepsHasNoHeaderAndAHandledErrorNoneEither() throws Exception {
        try (CamelContext camel = camel(new ServerTimingSteps(Map.of("a", "parse")))) {
            ProducerTemplate producer = camel.createProducerTemplate();
            Exchange untimed = producer.send("direct:untimed", e -> e.getMessage().setBody("ok"));
            Exchange handled = producer.send("direct:steps", e -> e.getMessage().setBody("fail"));

            assertThat(untimed.getMessage().getHeaders()).doesNotContainKey(ServerTiming.HEADER);
            assertThat(untimed.getProperty(ServerTiming.PROPERTY)).isNull();
            assertThat(handled.getMessage().getBody(String.class)).isEqualTo("handled");
            assertThat(handled.getMessage().getHeaders()).doesNotContainKey(ServerTiming.HEADER);
        }
    }

    private static CamelContext camel(ServerTimingSteps steps) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        camel.getCamelContextExtension().addInterceptStrategy(steps);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                onException(IllegalStateException.class).handled(true).setBody(constant("handled"));
                from("direct:steps").routeId("steps")
                        .setBody(simple("${body} a")).id("a")
                        .choice().when(simple("${body} == 'fail a'")).throwException(new IllegalStateException("failed")).end()
                        .setBody(simple("${body} b")).id("b")
                        .setBody(simple("${body} c")).id("c")
                        .removeHeaders("*");
                from("direct:untimed").routeId("untimed").setBody(constant("untimed")).id("u");
            }
        });
        camel.start();
        return camel;
    }
}
