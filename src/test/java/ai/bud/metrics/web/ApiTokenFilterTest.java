package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

class ApiTokenFilterTest {

    private static WebProperties properties(String token) {
        return new WebProperties(
                new WebProperties.Compression(true, DataSize.ofKilobytes(1), 4, 3, 6, List.of("br"), List.of("application/json")),
                new WebProperties.RateLimit(true, "dapr-caller-app-id", false, 10, DataSize.ofMegabytes(1), null, null),
                new WebProperties.Auth(token, "dapr-api-token", List.of("/health")),
                new WebProperties.Gate(2, Duration.ZERO, Duration.ofSeconds(1)));
    }

    @Test
    void noTokenConfiguredMeansNoCheck() {
        assertThat(new WebConfiguration().apiTokenFilter(properties(null), new ObjectMapper()).isEnabled()).isFalse();
        assertThat(new WebConfiguration().apiTokenFilter(properties(""), new ObjectMapper()).isEnabled()).isFalse();
        assertThat(new WebConfiguration().apiTokenFilter(properties("t"), new ObjectMapper()).isEnabled()).isTrue();
    }

    @Test
    void healthPathsAreExemptOthersNeedTheExactToken() throws Exception {
        ApiTokenFilter filter = new ApiTokenFilter(properties("s3cret").auth(), new EnvelopeWriter(new ObjectMapper()));
        record Case(String path, String token, boolean passes) {
        }
        for (Case c : List.of(new Case("/health", null, true), new Case("/health/readiness", null, false),
                new Case("/healthy", null, false), new Case("/observability/analytics", null, false),
                new Case("/observability/analytics", "s3cret", true), new Case("/observability/add", "S3CRET", false),
                new Case("/observability/add", "s3cret ", false), new Case("/prometheus", "", false))) {
            MockHttpServletRequest request = new MockHttpServletRequest("POST", c.path());
            if (c.token() != null) {
                request.addHeader("dapr-api-token", c.token());
            }
            MockHttpServletResponse response = new MockHttpServletResponse();
            AtomicBoolean reached = new AtomicBoolean();

            filter.doFilter(request, response, (req, res) -> reached.set(true));

            assertThat(reached.get()).as(c.toString()).isEqualTo(c.passes());
            assertThat(response.getStatus()).as(c.toString()).isEqualTo(c.passes() ? 200 : 401);
        }
    }
}
