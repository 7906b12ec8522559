package ai.bud.metrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The example dashboard requests are well-formed requests of SPEC section 2 once their date tokens are filled in. */
class ExampleRequestsTest {

    private static final Set<String> METRICS = Set.of("request_count", "success_request", "failure_request", "queuing_time",
            "input_token", "output_token", "concurrent_requests", "ttft", "latency", "throughput", "cache");
    private static final Set<String> FIELDS = Set.of("metrics", "from_date", "to_date", "frequency_unit", "frequency_interval",
            "filters", "group_by", "return_delta", "fill_time_gaps", "topk", "timezone");
    private static final Set<String> DIMENSIONS = Set.of("model", "project", "endpoint");
    private static final Set<String> UNITS = Set.of("hour", "day", "week", "month", "quarter", "year");

    static Stream<Path> examples() {
        assertThat(EnvironmentVariables.files(Path.of("examples/analytics"), ".json")).hasSizeGreaterThanOrEqualTo(8);
        return Stream.of(EnvironmentVariables.files(Path.of("examples/analytics"), ".json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void isAValidAnalyticsRequest(Path file) throws IOException {
        String text = Files.readString(file).replaceAll("\\{\\{NOW(-\\d+[hdw])?}}", "2024-05-01T10:00:00")
                .replace("{{PROJECT_ID}}", "6f1c1c9e-2a43-4a8e-9b5a-4d9e8f1a2b3c");
        assertThat(text).doesNotContain("{{");
        JsonNode request = new ObjectMapper().readTree(text);
        request.fieldNames().forEachRemaining(name -> assertThat(FIELDS).as("field of %s", file).contains(name));
        assertThat(request.path("metrics").isArray() && !request.path("metrics").isEmpty()).isTrue();
        request.path("metrics").forEach(metric -> assertThat(METRICS).contains(metric.asText()));
        LocalDateTime.parse(request.path("from_date").asText());
        if (request.has("frequency_unit")) {
            assertThat(UNITS).contains(request.path("frequency_unit").asText());
        }
        if (request.has("frequency_interval")) {
            assertThat(request.path("frequency_interval").asInt()).isGreaterThanOrEqualTo(1);
        }
        request.path("group_by").forEach(dimension -> assertThat(DIMENSIONS).contains(dimension.asText()));
        request.path("filters").fieldNames().forEachRemaining(key -> assertThat(DIMENSIONS).contains(key));
        if (request.has("topk")) {
            assertThat(request.path("topk").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(request.path("group_by").isEmpty()).as("topk needs group_by").isFalse();
            assertThat(request.path("filters").isEmpty()).as("topk excludes filters").isTrue();
        }
    }
}
