package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** What reaches rest-openapi, by the paths and methods of the shipped openapi.yaml. */
class ContractPathFilterTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** As if a route file of its own served {@code from: platform-http:/health/extra}. */
    private static final ContractPathFilter FILTER = new ContractPathFilter(ApiContract.load(MAPPER), "/health/extra"::equals,
            new EnvelopeWriter(MAPPER));

    @ParameterizedTest(name = "{0} {1} reaches Camel as {2}")
    @CsvSource({
            "POST, /observability/add, /observability/add",
            "POST, /observability/add;x=1, /observability/add",
            "POST, /observability/%61dd, /observability/add",
            "POST, /observability;v=2/%61dd;jsessionid=x, /observability/add",
            "POST, /observability/analytics, /observability/analytics",
            "GET, /health;a=b, /health",
            "GET, /openapi.json, /openapi.json",
            "OPTIONS, /observability/add, /observability/add",
            // not contract paths as Spring MVC maps them: passed on untouched (its 404, or another route's)
            "POST, //observability/add, //observability/add",
            "POST, /OBSERVABILITY/ADD, /OBSERVABILITY/ADD",
            "GET, /observability/nope, /observability/nope",
            "POST, /test/echo, /test/echo",
            // below a contract path, but another route's own path
            "GET, /health/extra, /health/extra"})
    void aContractPathReachesCamelAsThatPath(String method, String uri, String seen) throws Exception {
        AtomicReference<String> passed = new AtomicReference<>();
        MockHttpServletResponse response = new MockHttpServletResponse();
        FILTER.doFilter(new MockHttpServletRequest(method, uri), response,
                (req, res) -> passed.set(((HttpServletRequest) req).getRequestURI()));
        assertThat(passed.get()).isEqualTo(seen);
    }

    @ParameterizedTest(name = "{0} {1} is {2} naming {3}")
    @CsvSource({
            "GET, /health/liveness, 404, path",
            "POST, /observability/add/, 404, path",
            "POST, /observability/add/x, 404, path",
            "POST, /observability/add;x=1/y, 404, path",
            "GET, /ping/, 404, path",
            "HEAD, /health, 405, method",
            "GET, /observability/add, 405, method",
            "PUT, /observability/analytics;x=1, 405, method"})
    void theRestUnderAContractPathIsAnsweredInTheEnvelope(String method, String uri, int status, String field) throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockHttpServletRequest request = new MockHttpServletRequest(method, uri);
        request.setContent("{\"secret\": 1}".getBytes());
        FILTER.doFilter(request, response, (req, res) -> {
            throw new AssertionError("passed on to Camel");
        });
        assertThat(response.getStatus()).isEqualTo(status);
        JsonNode body = MAPPER.readTree(response.getContentAsByteArray());
        assertThat(body.get("code").asInt()).isEqualTo(status);
        assertThat(body.at("/param/errors/0/field").asText()).isEqualTo(field);
        assertThat(response.getContentAsString()).doesNotContain("secret");
        if (status == 405) {
            assertThat(response.getHeader("Allow")).isNotBlank();
        }
    }
}
