package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

/** The limiter against servlet mocks with a hand-driven clock. */
class RateLimitFilterTest {

    private final AtomicLong now = new AtomicLong();
    private final ObjectMapper mapper = new ObjectMapper();

    private RateLimitFilter filter(long maxBody) {
        WebProperties.RateLimit settings = new WebProperties.RateLimit(true, "dapr-caller-app-id", false, 1000, DataSize.ofBytes(maxBody),
                new WebProperties.Limit(2, Duration.ofMinutes(1), List.of("/observability/analytics"), false),
                new WebProperties.Limit(5, Duration.ofSeconds(1), List.of("/observability/add"), true));
        return new RateLimitFilter(new RateLimiter(1000, Duration.ofMinutes(10), now::get), settings, new EnvelopeWriter(mapper));
    }

    private static MockHttpServletRequest post(String path, String body) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
        request.setRemoteAddr("192.0.2.1");
        request.setContentType("application/json");
        request.setContent(body.getBytes(StandardCharsets.UTF_8));
        return request;
    }

    @Test
    void refillsWithTheClock() throws Exception {
        RateLimitFilter filter = filter(1 << 20);
        for (int i = 0; i < 2; i++) {
            MockHttpServletResponse ok = new MockHttpServletResponse();
            filter.doFilter(post("/observability/analytics", "{}"), ok, (req, res) -> { });
            assertThat(ok.getStatus()).isEqualTo(200);
        }
        MockHttpServletResponse refused = new MockHttpServletResponse();
        filter.doFilter(post("/observability/analytics", "{}"), refused, (req, res) -> { });
        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getHeader("Retry-After")).isEqualTo("30");
        assertThat(refused.getHeader("X-RateLimit-Reset")).isEqualTo("60");
        assertThat(mapper.readTree(refused.getContentAsByteArray()).get("type").asText()).isEqualTo("TooManyRequestsError");

        now.addAndGet(Duration.ofSeconds(30).toNanos());
        MockHttpServletResponse again = new MockHttpServletResponse();
        filter.doFilter(post("/observability/analytics", "{}"), again, (req, res) -> { });
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(again.getHeader("X-RateLimit-Remaining")).isEqualTo("0");
    }

    @Test
    void aBodyOverTheCountingCapCountsAsOneAndIsHandedOnWhole() throws Exception {
        RateLimitFilter filter = filter(16);
        String body = "[{\"a\":1},{\"a\":2},{\"a\":3},{\"a\":4},{\"a\":5},{\"a\":6},{\"a\":7}]";
        AtomicReference<String> seen = new AtomicReference<>();
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(post("/observability/add", body), response,
                (req, res) -> seen.set(new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8)));

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getHeader("X-RateLimit-Remaining")).isEqualTo("4");
        assertThat(seen.get()).isEqualTo(body);
    }

    @Test
    void aCountedBodyIsReadableThroughTheReader() throws Exception {
        RateLimitFilter filter = filter(1 << 20);
        String body = "{\"entries\":[{\"entryId\":\"\u00e9\"},{},{}]}";
        AtomicReference<String> seen = new AtomicReference<>();
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockHttpServletRequest request = post("/observability/add", body);
        request.setCharacterEncoding("UTF-8");

        filter.doFilter(request, response, (req, res) -> seen.set(req.getReader().readLine()));

        assertThat(response.getHeader("X-RateLimit-Remaining")).isEqualTo("2");
        assertThat(seen.get()).isEqualTo(body);
    }

    @Test
    void eachIdentityHasItsOwnBucketBehindOneAddress() throws Exception {
        RateLimitFilter filter = filter(1 << 20);
        for (String app : new String[] {"budadmin", "budgateway"}) {
            for (int i = 0; i < 2; i++) {
                MockHttpServletRequest request = post("/observability/analytics", "{}");
                request.addHeader("dapr-caller-app-id", app);
                MockHttpServletResponse ok = new MockHttpServletResponse();
                filter.doFilter(request, ok, (req, res) -> { });
                assertThat(ok.getStatus()).as(app).isEqualTo(200);
            }
        }
        MockHttpServletRequest third = post("/observability/analytics", "{}");
        third.addHeader("dapr-caller-app-id", "budadmin");
        MockHttpServletResponse refused = new MockHttpServletResponse();
        filter.doFilter(third, refused, (req, res) -> { });
        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(mapper.readTree(refused.getContentAsByteArray()).get("message").asText()).contains("dapr-caller-app-id=budadmin");

        // no identity: the address, a bucket of its own
        MockHttpServletResponse anonymous = new MockHttpServletResponse();
        filter.doFilter(post("/observability/analytics", "{}"), anonymous, (req, res) -> { });
        assertThat(anonymous.getStatus()).isEqualTo(200);
    }

    @Test
    void thePathIsTheOneTheContainerRoutedNotTheRawUri() throws Exception {
        RateLimitFilter filter = filter(1 << 20);
        for (String raw : new String[] {"/observability/analytics;x=1", "/observability/%61nalytics", "//observability/analytics"}) {
            MockHttpServletRequest request = post(raw, "{}");
            request.setServletPath("/observability/analytics");
            MockHttpServletResponse response = new MockHttpServletResponse();
            filter.doFilter(request, response, (req, res) -> { });
            assertThat(response.getHeader("X-RateLimit-Limit")).as(raw).isEqualTo("2");
        }
    }
}
