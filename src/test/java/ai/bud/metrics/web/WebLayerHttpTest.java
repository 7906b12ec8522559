package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.ContentCodings;
import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The HTTP layer over real HTTP: compression on a plain MVC handler and on an asynchronous platform-http route
 * (checked with decoders that are not the service's encoders), rate limits with their headers (keyed by the
 * identity header, on paths as routed, counting events), the API token, and the management port beside it.
 */
@AutoConfigureObservability(tracing = false) // tests turn the Prometheus export off unless asked
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=web_it",
        "budmetrics.web.auth.api-token=" + WebLayerHttpTest.TOKEN,
        "budmetrics.web.rate-limit.enabled=true",
        "budmetrics.web.rate-limit.analytics.limit=3",
        "budmetrics.web.rate-limit.analytics.period=1h",
        "budmetrics.web.rate-limit.analytics.paths=/test/limited",
        "budmetrics.web.rate-limit.ingest.limit=10",
        "budmetrics.web.rate-limit.ingest.period=1h",
        "budmetrics.web.rate-limit.ingest.paths=/test/ingest,/test/echo,/observability/add",
        "budmetrics.web.rate-limit.trust-forwarded-for=true"})
class WebLayerHttpTest {

    static final String TOKEN = "s3cret-token";
    static final byte[] LARGE = AnalyticsLikeJson.generate(30, 40, 0.75, 7);
    static final byte[] SMALL = "{\"object\":\"small\",\"items\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
    static final byte[] BINARY = Arrays.copyOf(LARGE, 4096);

    @TestConfiguration
    static class Endpoints {

        /** Registered as a member of this configuration (never by component scanning). */
        @RestController
        static class TestController {
            private final ObjectMapper mapper;

            TestController(ObjectMapper mapper) {
                this.mapper = mapper;
            }

            @GetMapping(value = "/test/large", produces = MediaType.APPLICATION_JSON_VALUE)
            byte[] large() {
                return LARGE;
            }

            @GetMapping(value = "/test/small", produces = MediaType.APPLICATION_JSON_VALUE)
            byte[] small() {
                return SMALL;
            }

            @GetMapping(value = "/test/binary", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
            byte[] binary() {
                return BINARY;
            }

            @GetMapping(value = "/test/limited", produces = MediaType.APPLICATION_JSON_VALUE)
            byte[] limited() {
                return SMALL;
            }

            /** Answers with what it received, to show the rate limiter hands the body on intact. */
            @PostMapping(value = "/test/ingest", produces = MediaType.APPLICATION_JSON_VALUE)
            ResponseEntity<String> ingest(@RequestBody byte[] body) throws IOException {
                JsonNode node = mapper.readTree(body);
                return ResponseEntity.ok("{\"bytes\":" + body.length + ",\"sha\":\"" + Arrays.hashCode(body) + "\",\"valid\":" + (node != null) + "}");
            }
        }

        @Bean
        RouteBuilder asyncLargeRoute() {
            return new RouteBuilder() {
                @Override
                public void configure() {
                    from("platform-http:/test/large-async?httpMethodRestrict=GET").routeId("test-large-async")
                            .setHeader("Content-Type", constant("application/json"))
                            .setBody(constant(LARGE));
                    from("platform-http:/test/echo?httpMethodRestrict=POST").routeId("test-echo")
                            .convertBodyTo(byte[].class)
                            .removeHeaders("*")
                            .setHeader("Content-Type", constant("application/json"));
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    ObjectMapper mapper;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void brotli() {
        Brotli4jLoader.ensureAvailability();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> authorized(String path, String... headers) throws Exception {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "dapr-api-token";
        all[headers.length + 1] = TOKEN;
        return get(path, all);
    }

    static byte[] decode(String coding, byte[] body) throws IOException {
        return ContentCodings.decode(coding, body);
    }

    @ParameterizedTest(name = "{0} with Accept-Encoding: {1}")
    @CsvSource(delimiter = '|', value = {
            "/test/large       | br                          | br",
            "/test/large       | zstd                        | zstd",
            "/test/large       | gzip                        | gzip",
            "/test/large       | gzip, deflate, br, zstd     | br",
            "/test/large       | gzip;q=1.0, br;q=0.5        | gzip",
            "/test/large       | zstd;q=0.9, gzip;q=0.8, br;q=0 | zstd",
            "/test/large       | x-gzip                      | gzip",
            "/test/large       | *                           | br",
            "/test/large-async | br                          | br",
            "/test/large-async | zstd                        | zstd",
            "/test/large-async | gzip                        | gzip",
            "/test/large-async | deflate, gzip;q=0.3         | gzip"})
    void compressesLargeJsonWithTheNegotiatedCoding(String path, String acceptEncoding, String expected) throws Exception {
        HttpResponse<byte[]> response = authorized(path, "Accept-Encoding", acceptEncoding);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue(expected);
        assertThat(response.headers().allValues("Vary")).anyMatch(v -> v.contains("Accept-Encoding"));
        assertThat(response.body().length).isLessThan(LARGE.length / 4);
        assertThat(decode(expected, response.body())).isEqualTo(LARGE);
    }

    @ParameterizedTest(name = "{0} with Accept-Encoding: {1}")
    @CsvSource(delimiter = '|', value = {
            "/test/large       | identity",
            "/test/large       | gzip;q=0.5, identity",
            "/test/large       | br;q=0, gzip;q=0, zstd;q=0",
            "/test/large       | deflate",
            "/test/large       | ''",
            "/test/large-async | identity"})
    void sendsIdentityWhenNoSupportedCodingIsPreferred(String path, String acceptEncoding) throws Exception {
        HttpResponse<byte[]> response = acceptEncoding.isEmpty() ? authorized(path) : authorized(path, "Accept-Encoding", acceptEncoding);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(response.headers().allValues("Vary")).anyMatch(v -> v.contains("Accept-Encoding"));
        assertThat(response.body()).isEqualTo(LARGE);
        assertThat(response.headers().firstValueAsLong("Content-Length")).satisfiesAnyOf(
                length -> assertThat(length).isEmpty(), length -> assertThat(length).hasValue(LARGE.length));
    }

    @Test
    void leavesSmallBodiesAlone() throws Exception {
        HttpResponse<byte[]> response = authorized("/test/small", "Accept-Encoding", "br, gzip, zstd");

        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(SMALL.length);
        assertThat(response.body()).isEqualTo(SMALL);
    }

    @Test
    void leavesSmallAsyncBodiesAlone() throws Exception {
        HttpResponse<byte[]> response = authorized("/ping", "Accept-Encoding", "br, gzip, zstd");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(mapper.readTree(response.body()).get("status").asText()).isEqualTo("ok");
    }

    @Test
    void leavesIncompressibleTypesAlone() throws Exception {
        HttpResponse<byte[]> response = authorized("/test/binary", "Accept-Encoding", "gzip");

        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(response.headers().allValues("Vary")).noneMatch(v -> v.contains("Accept-Encoding"));
        assertThat(response.body()).isEqualTo(BINARY);
    }

    @Test
    void compressesActuatorHealthWithoutAToken() throws Exception {
        HttpResponse<byte[]> response = get("/health", "Accept-Encoding", "gzip");

        assertThat(response.statusCode()).isIn(200, 503);
        String body = response.headers().firstValue("Content-Encoding").isPresent()
                ? new String(decode(response.headers().firstValue("Content-Encoding").get(), response.body()), StandardCharsets.UTF_8)
                : new String(response.body(), StandardCharsets.UTF_8);
        assertThat(mapper.readTree(body).has("status")).isTrue();
    }

    @Test
    void refusesRequestsWithoutTheToken() throws Exception {
        for (String path : new String[] {"/ping", "/test/large", "/prometheus", "/no/such/route"}) {
            HttpResponse<byte[]> response = get(path);

            assertThat(response.statusCode()).as(path).isEqualTo(401);
            JsonNode body = mapper.readTree(response.body());
            assertThat(body.get("object").asText()).isEqualTo("error");
            assertThat(body.get("code").asInt()).isEqualTo(401);
            assertThat(body.get("type").asText()).isEqualTo("UnauthorizedError");
            assertThat(body.at("/param/errors/0/field").asText()).isEqualTo("dapr-api-token");
        }
    }

    @Test
    void refusesAWrongToken() throws Exception {
        HttpResponse<byte[]> wrong = get("/ping", "dapr-api-token", TOKEN + "x");
        HttpResponse<byte[]> prefix = get("/ping", "dapr-api-token", TOKEN.substring(0, 3));

        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(prefix.statusCode()).isEqualTo(401);
        assertThat(mapper.readTree(wrong.body()).get("message").asText()).contains("invalid");
    }

    @Test
    void acceptsTheTokenAndExemptsHealth() throws Exception {
        assertThat(authorized("/ping").statusCode()).isEqualTo(200);
        assertThat(get("/health").statusCode()).isIn(200, 503);
        HttpResponse<byte[]> unknown = authorized("/no/such/route", "Accept-Encoding", "gzip");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(mapper.readTree(unknown.body()).get("type").asText()).isEqualTo("NotFoundError");
    }

    @Test
    void limitsRequestsPerClientWithHeadersThen429() throws Exception {
        String client = "203.0.113.7";
        for (int i = 1; i <= 3; i++) {
            HttpResponse<byte[]> ok = authorized("/test/limited", "X-Forwarded-For", client + ", 10.0.0.1");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("3");
            assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(3 - i));
            // one token comes back every 20 minutes: the bucket is full again at most i*1200 s from now
            assertThat(ok.headers().firstValueAsLong("X-RateLimit-Reset").getAsLong()).isBetween((i - 1) * 1200L + 1, i * 1200L);
        }

        HttpResponse<byte[]> refused = authorized("/test/limited", "X-Forwarded-For", client);

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(refused.headers().firstValueAsLong("Retry-After").getAsLong()).isBetween(1L, 1200L);
        JsonNode body = mapper.readTree(refused.body());
        assertThat(body.get("code").asInt()).isEqualTo(429);
        assertThat(body.get("type").asText()).isEqualTo("TooManyRequestsError");
        assertThat(body.get("message").asText()).contains("3 requests per").contains(client);
        assertThat(body.at("/param/errors/0/field").asText()).isEqualTo("client");

        HttpResponse<byte[]> otherClient = authorized("/test/limited", "X-Forwarded-For", "203.0.113.8");
        assertThat(otherClient.statusCode()).isEqualTo(200);
        assertThat(otherClient.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    }

    @Test
    void unlimitedPathsCarryNoRateLimitHeaders() throws Exception {
        HttpResponse<byte[]> response = authorized("/test/small");

        assertThat(response.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }

    private HttpResponse<byte[]> ingest(String client, String body) throws Exception {
        return post("/test/ingest", client, body);
    }

    private HttpResponse<byte[]> post(String path, String client, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .header("dapr-api-token", TOKEN)
                .header("X-Forwarded-For", client)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void countsIngestedEventsAndHandsTheBodyOn() throws Exception {
        String client = "198.51.100.20";
        String array = "[{\"a\":1},{\"a\":[2,3]},{\"a\":{\"b\":4}},{},{},{},{}]";
        HttpResponse<byte[]> seven = ingest(client, array);

        assertThat(seven.statusCode()).isEqualTo(200);
        assertThat(seven.headers().firstValue("X-RateLimit-Remaining")).hasValue("3");
        JsonNode echoed = mapper.readTree(seven.body());
        byte[] sent = array.getBytes(StandardCharsets.UTF_8);
        assertThat(echoed.get("bytes").asInt()).isEqualTo(sent.length);
        assertThat(echoed.get("sha").asText()).isEqualTo(Integer.toString(Arrays.hashCode(sent)));

        String bulkOfFour = "{\"pubsubname\":\"p\",\"entries\":[{\"entryId\":\"1\"},{\"entryId\":\"2\"},{\"entryId\":\"3\"},{\"entryId\":\"4\"}],\"topic\":\"t\"}";
        HttpResponse<byte[]> refused = ingest(client, bulkOfFour);

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(mapper.readTree(refused.body()).get("message").asText()).contains("10 events per").contains("carries 4 events");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<byte[]> bulkInACloudEvent = ingest(client, "{\"specversion\":\"1.0\",\"data\":{\"entries\":[1,2]}}");
        assertThat(bulkInACloudEvent.statusCode()).isEqualTo(200);
        assertThat(bulkInACloudEvent.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
    }

    @Test
    void anAsyncRouteReceivesTheCountedBodyIntact() throws Exception {
        String body = "{\"entries\":[" + "{\"entryId\":\"e\",\"event\":{\"note\":\"\u00e9t\u00e9\"}},".repeat(5) + "{}]}";

        HttpResponse<byte[]> response = post("/test/echo", "198.51.100.77", body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("4");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(body);
    }

    // ---- the real topology: one address, callers told apart by an identity header; the real ingest route

    private HttpResponse<byte[]> send(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").header("dapr-api-token", TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String event() {
        return "{\"inference_id\":\"" + UUID.randomUUID() + "\",\"project_id\":\"" + UUID.randomUUID() + "\",\"endpoint_id\":\""
                + UUID.randomUUID() + "\",\"model_id\":\"" + UUID.randomUUID() + "\",\"is_success\":true,"
                + "\"request_arrival_time\":\"2026-01-02T03:04:05.000Z\",\"request_forward_time\":\"2026-01-02T03:04:05.120Z\"}";
    }

    /** What the gateway publishes: one CloudEvent whose data is a Dapr bulk envelope of {@code n} events. */
    private static String gatewayEvent(int n) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add("{\"entryId\":\"e" + i + "\",\"contentType\":\"application/json\",\"event\":" + event() + "}");
        }
        return "{\"specversion\":\"1.0\",\"id\":\"" + UUID.randomUUID() + "\",\"source\":\"budgateway\",\"type\":\"add_observability_metrics\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"id\":\"" + UUID.randomUUID() + "\",\"pubsubname\":\"pubsub\","
                + "\"topic\":\"budMetricsMessages\",\"metadata\":{},\"entries\":[" + String.join(",", entries) + "]}}";
    }

    private static String caller() {
        return "budadmin-" + UUID.randomUUID();
    }

    @Test
    void callersBehindOneAddressAreToldApartByTheIdentityHeader() throws Exception {
        String admin = caller();
        String gateway = caller();
        for (int i = 1; i <= 3; i++) {
            assertThat(authorized("/test/limited", "dapr-caller-app-id", admin).statusCode()).isEqualTo(200);
        }
        HttpResponse<byte[]> refused = authorized("/test/limited", "dapr-caller-app-id", admin);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(mapper.readTree(refused.body()).get("message").asText()).contains("dapr-caller-app-id=" + admin);

        HttpResponse<byte[]> other = authorized("/test/limited", "dapr-caller-app-id", gateway);
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    }

    @Test
    void aCloudEventCarryingABulkCountsItsEvents() throws Exception {
        String gateway = caller();

        HttpResponse<byte[]> seven = send("/observability/add", gatewayEvent(7), "dapr-caller-app-id", gateway);

        assertThat(seven.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(seven.body()).at("/param/summary/total_entries").asInt()).isEqualTo(7);
        assertThat(seven.headers().firstValue("X-RateLimit-Remaining")).hasValue("3");
        HttpResponse<byte[]> four = send("/observability/add", gatewayEvent(4), "dapr-caller-app-id", gateway);
        assertThat(four.statusCode()).isEqualTo(429);
        assertThat(mapper.readTree(four.body()).get("message").asText()).contains("carries 4 events");
    }

    @Test
    void pathsAreLimitedAsTheRouteThatServesThem() throws Exception {
        String gateway = caller();
        // each of these reaches the ingest route (the summary below proves it), so each is the ingest rule's path
        String[] variants = {"/observability/add;x=1", "/observability/%61dd", "/observability;v=2/%61dd;jsessionid=x"};
        for (int i = 0; i < variants.length; i++) {
            HttpResponse<byte[]> response = send(variants[i], gatewayEvent(3), "dapr-caller-app-id", gateway);
            assertThat(response.statusCode()).as(variants[i]).isEqualTo(200);
            assertThat(mapper.readTree(response.body()).at("/param/summary/total_entries").asInt()).as(variants[i]).isEqualTo(3);
            assertThat(response.headers().firstValue("X-RateLimit-Remaining")).as(variants[i]).hasValue(Integer.toString(10 - 3 * (i + 1)));
        }
        HttpResponse<byte[]> refused = send("/observability/add", gatewayEvent(2), "dapr-caller-app-id", gateway);
        assertThat(refused.statusCode()).isEqualTo(429);

        // what no route serves is no way around the limit
        for (String unrouted : new String[] {"//observability/add", "/observability/add/", "/OBSERVABILITY/ADD", "/observability/add%2F"}) {
            assertThat(send(unrouted, gatewayEvent(1), "dapr-caller-app-id", gateway).statusCode()).as(unrouted).isIn(400, 404);
        }
    }

    @Test
    void aDeclaredOversizedBodyIsRefusedAtOnceWithTheLimiterOn() throws Exception {
        byte[] kilobyte = ("{\"entries\":[" + "{\"entryId\":\"x\"},".repeat(60)).getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of("dapr-api-token", TOKEN, "dapr-caller-app-id", caller());

        StalledUpload.Answer tooLarge = StalledUpload.send(port, "/observability/add;x=1", "application/json",
                EdgeDefaultsHttpTest.HUNDRED_MB, kilobyte, headers, 5000);
        StalledUpload.Answer notJson = StalledUpload.send(port, "/observability/add", "text/plain", EdgeDefaultsHttpTest.HUNDRED_MB,
                kilobyte, headers, 5000);

        assertThat(tooLarge.status()).as("answered within 5 s").isEqualTo(413);
        assertThat(mapper.readTree(tooLarge.body()).at("/param/errors/0/field").asText()).isEqualTo("body");
        assertThat(notJson.status()).as("answered within 5 s").isEqualTo(415);
        assertThat(mapper.readTree(notJson.body()).get("type").asText()).isEqualTo("UnsupportedMediaTypeError");
    }

    // ---- with a token: probes and the scrape on the management port, nothing but the status on the app port

    private HttpResponse<byte[]> management(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void theManagementPortServesProbesDetailsAndMetricsWithoutTheToken() throws Exception {
        assertThat(managementPort).isNotEqualTo(port);
        HttpResponse<byte[]> health = management("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(health.body()).at("/components/clickHouse/details/version").asText()).isNotBlank();
        assertThat(management("/health/liveness").statusCode()).isEqualTo(200);
        assertThat(management("/health/readiness").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> metrics = management("/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(new String(metrics.body(), StandardCharsets.UTF_8)).contains("# TYPE jvm_memory_used_bytes gauge");
    }

    @Test
    void theAppPortShowsTheStatusAndHidesTheRest() throws Exception {
        HttpResponse<byte[]> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(health.body()).properties()).extracting(Map.Entry::getKey).containsExactly("status");
        for (String path : new String[] {"/prometheus", "/info", "/health/liveness", "/health/readiness", "/health;x=1/../prometheus"}) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(401);
            assertThat(authorized(path).statusCode()).as(path + " with the token").isEqualTo(404);
        }
    }
}
