package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The HTTP edge with the shipped defaults (no rate-limit, token or management setting here): no rate limits,
 * oversized and non-JSON ingest bodies refused from their headers, status-only health on the app port and the
 * details, probes and metrics on the management port.
 */
@AutoConfigureObservability(tracing = false) // tests turn the Prometheus export off unless asked
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "budmetrics.clickhouse.database=web_edge_it")
class EdgeDefaultsHttpTest {

    static final long HUNDRED_MB = 100L * 1024 * 1024;

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int toPort, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + toPort + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rateLimitsAreOffByDefault() throws Exception {
        // the old defaults: 100 analytics calls a minute and 1000 events a second per address
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            HttpResponse<String> response = post("/observability/analytics", "{}");
            statuses.add(response.statusCode());
            assertThat(response.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        }
        String fifteenHundredEvents = "{\"entries\":[" + String.join(",", java.util.Collections.nCopies(1500, "{\"entryId\":\"x\"}")) + "]}";
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = post("/observability/add", fifteenHundredEvents);
            statuses.add(response.statusCode());
            assertThat(response.headers().firstValue("X-RateLimit-Limit")).isEmpty();
        }

        assertThat(statuses).hasSize(133).doesNotContain(429);
    }

    @Test
    void aDeclaredOversizedBodyIsRefusedAtOnce() throws Exception {
        byte[] kilobyte = ("{\"entries\":[" + "{\"entryId\":\"x\"},".repeat(60)).getBytes(StandardCharsets.UTF_8);

        StalledUpload.Answer answer = StalledUpload.send(port, "/observability/add", "application/json", HUNDRED_MB, kilobyte, Map.of(), 5000);

        assertThat(answer.status()).as("answered within 5 s").isEqualTo(413);
        JsonNode body = mapper.readTree(answer.body());
        assertThat(body.get("object").asText()).isEqualTo("error");
        assertThat(body.get("code").asInt()).isEqualTo(413);
        assertThat(body.at("/param/errors/0/field").asText()).isEqualTo("body");
    }

    @Test
    void aWrongContentTypeIsRefusedAtOnce() throws Exception {
        byte[] kilobyte = "a=b&".repeat(256).getBytes(StandardCharsets.US_ASCII);

        StalledUpload.Answer answer = StalledUpload.send(port, "/observability/add", "application/x-www-form-urlencoded", HUNDRED_MB,
                kilobyte, Map.of(), 5000);

        assertThat(answer.status()).as("answered within 5 s").isEqualTo(415);
        JsonNode body = mapper.readTree(answer.body());
        assertThat(body.get("code").asInt()).isEqualTo(415);
        assertThat(body.at("/param/errors/0/field").asText()).isEqualTo("Content-Type");
    }

    @Test
    void theAppPortHealthGivesTheStatusOnly() throws Exception {
        HttpResponse<String> health = get(port, "/health");

        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = mapper.readTree(health.body());
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.size()).as(health.body()).isEqualTo(1);
        for (String hidden : new String[] {"/health/liveness", "/health/readiness", "/prometheus", "/info"}) {
            assertThat(get(port, hidden).statusCode()).as(hidden).isEqualTo(404);
        }
    }

    @Test
    void theManagementPortHasTheDetailsProbesAndMetrics() throws Exception {
        assertThat(managementPort).isNotEqualTo(port);
        HttpResponse<String> health = get(managementPort, "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode components = mapper.readTree(health.body()).get("components");
        assertThat(components.at("/clickHouse/details/version").asText()).isNotBlank();
        assertThat(components.at("/redis/status").asText()).isEqualTo("UP");

        assertThat(mapper.readTree(get(managementPort, "/health/liveness").body()).get("status").asText()).isEqualTo("UP");
        assertThat(mapper.readTree(get(managementPort, "/health/readiness").body()).get("status").asText()).isEqualTo("UP");
        HttpResponse<String> metrics = get(managementPort, "/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }
}
