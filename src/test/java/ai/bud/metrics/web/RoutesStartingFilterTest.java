package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * Before the routes exist a delivery must be told to come back (503), never 404: Dapr drops a delivery answered 404.
 * A real Camel context decides, before and after it starts.
 */
class RoutesStartingFilterTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aRequestBeforeTheRoutesStartIs503WithRetryAfterAndPassesOnceTheyHave() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            RoutesStartingFilter filter = new RoutesStartingFilter(camel::isStarted, new EnvelopeWriter(mapper));

            MockHttpServletResponse early = new MockHttpServletResponse();
            MockFilterChain earlyChain = new MockFilterChain();
            filter.doFilter(new MockHttpServletRequest("POST", "/observability/add"), early, earlyChain);
            assertThat(early.getStatus()).isEqualTo(503);
            assertThat(early.getHeader("Retry-After")).isEqualTo("1");
            assertThat(earlyChain.getRequest()).as("the request went no further").isNull();
            JsonNode body = mapper.readTree(early.getContentAsByteArray());
            assertThat(body.get("object").asText()).isEqualTo("error");
            assertThat(body.get("code").asInt()).isEqualTo(503);
            assertThat(body.at("/param/errors/0/field").asText()).isEqualTo("service");

            camel.start();
            MockHttpServletResponse later = new MockHttpServletResponse();
            MockFilterChain laterChain = new MockFilterChain();
            filter.doFilter(new MockHttpServletRequest("POST", "/observability/add"), later, laterChain);
            assertThat(laterChain.getRequest()).as("passed on to the routes").isNotNull();
            assertThat(later.getStatus()).isEqualTo(200);
        }
    }
}
