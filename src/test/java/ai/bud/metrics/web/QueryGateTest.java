package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.errors.ApiException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Waits are zero so nothing here depends on timing. */
class QueryGateTest {

    private final CamelContext camel = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        camel.close();
    }

    @Test
    void givesOutAtMostNPermitsThen503WithRetryAfter() {
        QueryGate gate = new QueryGate(2, Duration.ZERO, Duration.ofMillis(2500));
        QueryGate.Permit first = gate.acquire();
        QueryGate.Permit second = gate.acquire();

        assertThat(gate.available()).isZero();
        assertThatThrownBy(gate::acquire)
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.retryAfterSeconds()).isEqualTo(3);
                    assertThat(e.getMessage()).contains("2 at a time");
                });

        first.close();
        first.close();
        assertThat(gate.available()).isEqualTo(1);
        gate.acquire().close();
        second.close();
        assertThat(gate.available()).isEqualTo(2);
    }

    @Test
    void callReleasesEvenWhenTheQueryFails() {
        QueryGate gate = new QueryGate(1, Duration.ZERO, Duration.ofSeconds(5));

        assertThatThrownBy(() -> gate.call(() -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(gate.available()).isEqualTo(1);
    }

    @Test
    void routeFormHoldsThePermitUntilTheExchangeCompletes() {
        QueryGate gate = new QueryGate(1, Duration.ZERO, Duration.ofSeconds(5));
        Exchange exchange = new DefaultExchange(camel);

        gate.enter(exchange);
        assertThat(gate.available()).isZero();
        assertThatThrownBy(() -> gate.enter(new DefaultExchange(camel))).isInstanceOf(ApiException.class);

        exchange.getExchangeExtension().handoverCompletions().forEach(s -> s.onFailure(exchange));
        assertThat(gate.available()).isEqualTo(1);
    }

    @Test
    void leaveReleasesEarlyAndCompletionDoesNotReleaseTwice() {
        QueryGate gate = new QueryGate(1, Duration.ZERO, Duration.ofSeconds(5));
        Exchange exchange = new DefaultExchange(camel);

        gate.enter(exchange);
        gate.leave(exchange);
        assertThat(gate.available()).isEqualTo(1);
        exchange.getExchangeExtension().handoverCompletions().forEach(s -> s.onComplete(exchange));
        assertThat(gate.available()).isEqualTo(1);
    }

    @Test
    void errorResponsesCarryTheExceptionsRetryAfter() throws Exception {
        ErrorResponses responses = new ErrorResponses(new ObjectMapper());
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, ApiException.serviceUnavailable("busy", 7));

        responses.render(exchange);

        assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(503);
        assertThat(exchange.getMessage().getHeader("Retry-After")).isEqualTo("7");
        assertThat(new ObjectMapper().readTree(exchange.getMessage().getBody(byte[].class)).get("type").asText())
                .isEqualTo("ServiceUnavailableError");
    }
}
