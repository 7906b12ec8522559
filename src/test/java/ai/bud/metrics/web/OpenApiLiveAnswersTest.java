package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * The service's real answers (real engine, real Redis) meet the contract: each answer body is valid against the schema
 * openapi.yaml declares for its operation and status — ingestion of each delivery kind, analytics of several request
 * shapes (every request example of the document and of examples/analytics among them), every error status the test
 * can provoke, and the operations endpoints. A status an operation does not declare fails the test too.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=openapi_contract",
        "budmetrics.web.auth.api-token=" + OpenApiLiveAnswersTest.TOKEN,
        "budmetrics.web.rate-limit.enabled=true",
        "budmetrics.web.rate-limit.analytics.limit=2",
        "budmetrics.web.rate-limit.analytics.period=1h",
        "budmetrics.ingest.max-body-size=256KB"})
class OpenApiLiveAnswersTest {

    static final String TOKEN = "contract-token";
    private static final ContractSchemas CONTRACT = new ContractSchemas();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANALYTICS = "/observability/analytics";
    private static final String ADD = "/observability/add";
    private static final LocalDateTime START = LocalDateTime.of(2020, 6, 1, 0, 0);
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");
    private static final UUID[] MODELS = {UUID.fromString("11111111-1111-4111-8111-111111111111"), UUID.fromString("22222222-2222-4222-8222-222222222222")};
    private static final UUID[] PROJECTS = {UUID.fromString("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"), UUID.fromString("bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb")};
    private static final UUID[] ENDPOINTS = {UUID.fromString("eeeeeeee-eeee-4eee-8eee-000000000001"),
            UUID.fromString("eeeeeeee-eeee-4eee-8eee-000000000002"), UUID.fromString("eeeeeeee-eeee-4eee-8eee-000000000003")};
    private static final int EVENTS = 60;

    /** The events stored once per run (arrival times over 2020-06-01..03) and the answers their deliveries got. */
    private static final List<ObjectNode> stored = new ArrayList<>();
    private static final Map<String, Answer> deliveries = new LinkedHashMap<>();

    /** A route of its own below a contract path (as an integration team might add): the contract's edge leaves it alone. */
    @TestConfiguration
    static class AnotherRoute {
        @Bean
        RouteBuilder healthExtra() {
            return new RouteBuilder() {
                @Override
                public void configure() {
                    from("platform-http:/health/extra?httpMethodRestrict=GET").routeId("test-health-extra")
                            .removeHeaders("*").setHeader("Content-Type", constant("application/json")).setBody(constant("{\"extra\":true}"));
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    CamelContext camel;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, HttpHeaders headers, byte[] body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + new String(body, StandardCharsets.UTF_8), e);
            }
        }

        @Override
        public String toString() {
            return status + " " + new String(body, StandardCharsets.UTF_8);
        }
    }

    @BeforeEach
    void storeEventsOnce() throws Exception {
        synchronized (stored) {
            if (!stored.isEmpty()) {
                return;
            }
            // the suite's engine keeps its data between runs: start from empty tables
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                for (String table : new String[] {"ModelInferenceDetails", "ModelInference", "IngestDeadLetter", "InferenceRollup",
                        "InferenceRollupDaily", "InferenceRollupDailyByModel", "InferenceSecondCounts", "InferenceSecondCountsDaily"}) {
                    statement.execute("TRUNCATE TABLE " + table);
                }
            }
            Random random = new Random(42);
            List<ObjectNode> events = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) {
                // pairs of events share an arrival second now and then (concurrent_requests), some fail
                LocalDateTime arrival = START.plusMinutes(random.nextInt(3 * 24 * 60)).plusSeconds(random.nextInt(60))
                        .plusNanos(random.nextInt(1000) * 1_000_000L);
                ObjectNode event = JSON.createObjectNode();
                event.put("inference_id", UUID.randomUUID().toString());
                event.put("project_id", PROJECTS[i % 2].toString());
                event.put("endpoint_id", ENDPOINTS[i % 3].toString());
                event.put("model_id", MODELS[i % 3 == 2 ? 1 : 0].toString());
                event.put("is_success", random.nextInt(5) != 0);
                event.put("request_arrival_time", arrival.format(MILLIS) + "Z");
                event.put("request_forward_time", arrival.plusNanos((1 + random.nextInt(500)) * 1_000_000L).format(MILLIS) + "Z");
                event.put("cost", random.nextInt(1000) / 1000.0);
                events.add(event);
            }
            ObjectNode invalid = events.get(0).deepCopy();
            invalid.put("inference_id", UUID.randomUUID().toString());
            invalid.put("cost", -1);

            // a Dapr bulk: events as fields and as CloudEvents, and one invalid entry (index 30)
            List<JsonNode> bulkEvents = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                bulkEvents.add(i % 2 == 0 ? events.get(i) : cloudEvent(events.get(i)));
            }
            bulkEvents.add(invalid);
            deliveries.put("dapr bulk", post(ADD, "application/json", bytes(bulk(bulkEvents))));
            deliveries.put("gateway CloudEvent carrying a bulk", post(ADD, "application/cloudevents+json",
                    bytes(cloudEvent(bulk(new ArrayList<>(events.subList(30, EVENTS - 2)))))));
            deliveries.put("one CloudEvent", post(ADD, "application/cloudevents+json", bytes(cloudEvent(events.get(EVENTS - 2)))));
            deliveries.put("raw fields", post(ADD, "application/json", bytes(events.get(EVENTS - 1))));
            deliveries.put("raw fields again (duplicate)", post(ADD, null, bytes(events.get(EVENTS - 1))));

            // latency, tokens and cache come from the gateway's table: rows for two thirds of the events
            try (Connection connection = dataSource.getConnection(); PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO ModelInference (id, inference_id, raw_request, raw_response, model_name, model_provider_name, input_tokens, "
                            + "output_tokens, response_time_ms, ttft_ms, input_messages, output, cached) VALUES (?, ?, '', '', 'model', 'example', ?, ?, ?, ?, '', '', ?)")) {
                for (int i = 0; i < EVENTS; i++) {
                    if (i % 3 == 0) {
                        continue;
                    }
                    insert.setObject(1, new UUID((1_590_969_600_000L + i) << 16 | 0x7000L, 0x8000_0000_0000_0000L | i));
                    insert.setObject(2, UUID.fromString(events.get(i).get("inference_id").asText()));
                    insert.setInt(3, 10 + random.nextInt(500));
                    insert.setInt(4, 10 + random.nextInt(500));
                    insert.setInt(5, 50 + random.nextInt(3000));
                    insert.setInt(6, 5 + random.nextInt(300));
                    insert.setBoolean(7, random.nextBoolean());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            stored.addAll(events);
        }
    }

    @Test
    void ingestAnswersEachDeliveryKindInTheContract() {
        assertThat(deliveries).hasSize(5);
        deliveries.forEach((kind, answer) -> {
            assertThat(answer.status()).as("%s: %s", kind, answer).isEqualTo(200);
            assertValid("post", ADD, answer, kind);
        });
        JsonNode bulk = deliveries.get("dapr bulk").json();
        assertThat(bulk.has("status")).as("a bulk is answered per entry only").isFalse();
        assertThat(bulk.at("/param/summary/total_entries").asInt()).isEqualTo(31);
        assertThat(bulk.at("/param/summary/successfully_inserted").asInt()).isEqualTo(30);
        assertThat(bulk.path("statuses")).hasSize(31);
        assertThat(bulk.at("/statuses/30/status").asText()).isEqualTo("DROP");
        assertThat(bulk.at("/param/details/validation_errors/0/index").asInt()).isEqualTo(30);
        JsonNode gateway = deliveries.get("gateway CloudEvent carrying a bulk").json();
        assertThat(gateway.path("status").asText()).isEqualTo("SUCCESS");
        assertThat(gateway.path("statuses")).hasSize(EVENTS - 2 - 30);
        assertThat(deliveries.get("one CloudEvent").json().path("status").asText()).isEqualTo("SUCCESS");
        assertThat(deliveries.get("raw fields").json().at("/param/summary/successfully_inserted").asInt()).isEqualTo(1);
        assertThat(deliveries.get("raw fields again (duplicate)").json().at("/param/summary/duplicates_skipped").asInt()).isEqualTo(1);
    }

    @Test
    void analyticsAnswersEveryRequestShapeInTheContract() throws Exception {
        Map<String, JsonNode> requests = new LinkedHashMap<>();
        CONTRACT.document().at("/paths/~1observability~1analytics/post/requestBody/content/application~1json/examples")
                .fields().forEachRemaining(e -> requests.put("openapi.yaml " + e.getKey(), e.getValue().get("value")));
        for (Map.Entry<String, String> file : dashboardRequests().entrySet()) {
            requests.put(file.getKey(), JSON.readTree(file.getValue()));
        }
        requests.put("all metrics by project and endpoint, monthly, in a zone", JSON.readTree("""
                {"metrics": ["request_count", "success_request", "failure_request", "queuing_time", "input_token", "output_token",
                 "concurrent_requests", "ttft", "latency", "throughput", "cache"], "from_date": "2020-05-20", "to_date": "2020-07-02",
                 "frequency_unit": "month", "group_by": ["project", "endpoint"], "timezone": "America/New_York"}"""));
        requests.put("hours without deltas, one model", JSON.readTree("""
                {"metrics": ["latency", "cache", "output_token"], "from_date": "2020-06-01T00:00:00Z", "to_date": "2020-06-02T00:00:00Z",
                 "frequency_unit": "hour", "return_delta": false, "filters": {"model": ["11111111-1111-4111-8111-111111111111"]}}"""));

        int withData = 0;
        for (Map.Entry<String, JsonNode> request : requests.entrySet()) {
            Answer answer = post(ANALYTICS, "application/json", bytes(request.getValue()));
            assertThat(answer.status()).as("%s: %s", request.getKey(), answer).isEqualTo(200);
            assertValid("post", ANALYTICS, answer, request.getKey());
            assertThat(answer.headers().firstValue("X-Cache")).as(request.getKey()).hasValueSatisfying(v -> assertThat(v).isIn("HIT", "MISS"));
            for (JsonNode bucket : answer.json().path("items")) {
                withData += bucket.path("items").isArray() ? 1 : 0;
            }
        }
        assertThat(withData).as("buckets with data among the answers").isGreaterThan(requests.size());

        // and the counts are the stored events' (an oracle from the events this test sent), so the answers validated are real
        Answer daily = post(ANALYTICS, "application/json", bytes(JSON.readTree("""
                {"metrics": ["request_count"], "from_date": "2020-06-01T00:00:00Z", "to_date": "2020-06-04T00:00:00Z", "group_by": ["model"]}""")));
        assertValid("post", ANALYTICS, daily, "daily per model");
        Map<String, Long> expected = new LinkedHashMap<>();
        for (ObjectNode event : stored) {
            expected.merge(event.get("model_id").asText(), 1L, Long::sum);
        }
        Map<String, Long> counted = new LinkedHashMap<>();
        for (JsonNode bucket : daily.json().path("items")) {
            for (JsonNode item : bucket.path("items")) {
                counted.merge(item.get("model_id").asText(), item.at("/data/request_count/count").asLong(), Long::sum);
            }
        }
        assertThat(counted).isEqualTo(expected);
    }

    @Test
    void everyErrorTheServiceCanBeMadeToAnswerIsInTheContract() throws Exception {
        byte[] valid = "{\"metrics\": [\"request_count\"], \"from_date\": \"2020-06-01T00:00:00Z\", \"to_date\": \"2020-06-02T00:00:00Z\"}"
                .getBytes(StandardCharsets.UTF_8);
        expectError(400, "post", ANALYTICS, post(ANALYTICS, "application/json", "{\"metrics\": [".getBytes(StandardCharsets.UTF_8)), "body");
        expectError(400, "post", ADD, post(ADD, "application/json", "{\"entries\": []}".getBytes(StandardCharsets.UTF_8)), "entries");
        expectError(401, "post", ANALYTICS, send("POST", ANALYTICS, "application/json", valid, UUID.randomUUID().toString(), false), "dapr-api-token");
        expectError(401, "get", "/ping", send("GET", "/ping", null, null, UUID.randomUUID().toString(), false), "dapr-api-token");
        expectError(404, "post", "/observability/nope", post("/observability/nope", "application/json", valid), "path");
        expectError(404, "get", "/health/liveness", send("GET", "/health/liveness", null, null, null, true), "path");
        Answer extra = send("GET", "/health/extra", null, null, null, true);
        assertThat(extra.status()).as("a route of its own below /health: %s", extra).isEqualTo(200);
        assertThat(extra.json().path("extra").asBoolean()).isTrue();
        Answer below = post(ADD + "/x", "application/json", "{\"secret\": 1}".getBytes(StandardCharsets.UTF_8));
        expectError(404, "post", ADD + "/x", below, "path");
        assertThat(new String(below.body(), StandardCharsets.UTF_8)).doesNotContain("secret");
        expectError(405, "post", ANALYTICS, send("GET", ANALYTICS, null, null, UUID.randomUUID().toString(), true), "method");
        expectError(405, "post", ADD, send("PUT", ADD, "application/json", valid, UUID.randomUUID().toString(), true), "method");
        Answer head = send("HEAD", "/health", null, null, null, true);
        assertThat(head.status()).isEqualTo(405);
        assertThat(head.headers().firstValue("Allow")).hasValue("GET");
        expectError(413, "post", ANALYTICS, post(ANALYTICS, "application/json", padded(valid, 70 * 1024)), "body");
        expectError(413, "post", ADD, post(ADD, "application/json", padded("{\"entries\": []}".getBytes(StandardCharsets.UTF_8), 300 * 1024)), "body");
        expectError(415, "post", ANALYTICS, post(ANALYTICS, "text/plain", valid), "Content-Type");
        expectError(415, "post", ADD, post(ADD, "application/x-www-form-urlencoded", "a=1".getBytes(StandardCharsets.UTF_8)), "Content-Type");
        expectError(422, "post", ANALYTICS, post(ANALYTICS, "application/json",
                "{\"metrics\": [\"request_count\"], \"from_date\": \"2020-06-01\", \"topk\": 3}".getBytes(StandardCharsets.UTF_8)), "topk");
        expectError(422, "post", ANALYTICS, post(ANALYTICS, "application/json",
                "{\"metrics\": [\"request_count\"], \"from_date\": \"2020-06-01\", \"top_k\": 3}".getBytes(StandardCharsets.UTF_8)), "top_k");

        String dashboard = "dashboard-" + UUID.randomUUID();
        for (int i = 0; i < 2; i++) {
            assertThat(send("POST", ANALYTICS, "application/json", valid, dashboard, true).status()).isEqualTo(200);
        }
        Answer limited = send("POST", ANALYTICS, "application/json", valid, dashboard, true);
        expectError(429, "post", ANALYTICS, limited, "client");
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();

        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("RENAME TABLE ModelInference TO ModelInference_hidden");
        }
        try {
            Answer unavailable = post(ANALYTICS, "application/json",
                    "{\"metrics\": [\"latency\"], \"from_date\": \"2020-06-01\", \"to_date\": \"2020-06-05\"}".getBytes(StandardCharsets.UTF_8));
            expectError(503, "post", ANALYTICS, unavailable, null);
            assertThat(unavailable.json().at("/param/error_id").asText()).isNotEmpty();
        } finally {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("RENAME TABLE ModelInference_hidden TO ModelInference");
            }
        }
    }

    @Test
    void theOperationsEndpointsAnswerInTheContract() throws Exception {
        Answer health = send("GET", "/health", null, null, null, false);
        assertThat(health.status()).isEqualTo(200);
        assertValid("get", "/health", health, "health");
        Answer ping = send("GET", "/ping", null, null, null, true);
        assertThat(ping.status()).isEqualTo(200);
        assertValid("get", "/ping", ping, "ping");

        // public like /health, and the YAML itself as JSON: the same tree, not a second copy
        Answer document = send("GET", "/openapi.json", null, null, null, false);
        assertThat(document.status()).isEqualTo(200);
        assertThat(document.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertValid("get", "/openapi.json", document, "openapi.json");
        assertThat(document.json()).isEqualTo(CONTRACT.document());
    }

    /** The dashboard's endpoint and the export's refusal (issue 14). */
    @Test
    void theIdsEndpointAndTheExportAnswerInTheContract() throws Exception {
        String ids = "/observability/ids";
        Answer present = send("GET", ids + "?from_date=2020-06-01T00:00:00Z&to_date=2020-06-03T00:00:00Z", null, null, UUID.randomUUID().toString(), true);
        assertThat(present.status()).isEqualTo(200);
        assertValid("get", ids, present, "ids");
        expectError(422, "get", ids, send("GET", ids + "?to_date=2020-06-03", null, null, UUID.randomUUID().toString(), true), "from_date");
        expectError(401, "get", ids, send("GET", ids + "?from_date=2020-06-01", null, null, UUID.randomUUID().toString(), false), "dapr-api-token");
        expectError(405, "get", ids, send("POST", ids, "application/json", "{}".getBytes(StandardCharsets.UTF_8), UUID.randomUUID().toString(), true), "method");

        HttpResponse<byte[]> xml = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + ANALYTICS))
                .header("Content-Type", "application/json").header("Accept", "application/xml").header("dapr-api-token", TOKEN)
                .header("dapr-caller-app-id", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"metrics\":[\"request_count\"],\"from_date\":\"2020-06-01\",\"to_date\":\"2020-06-02\"}"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        expectError(406, "post", ANALYTICS, new Answer(xml.statusCode(), xml.headers(), xml.body()), "Accept");
    }

    /** The consumer rest-openapi creates takes routes/api.camel.yaml's endpoint properties: bodies as streams, never forms. */
    @Test
    void theContractsConsumerStreamsBodiesAndNeverParsesForms() {
        List<PlatformHttpEndpoint> contract = camel.getEndpoints().stream()
                .filter(e -> e instanceof PlatformHttpEndpoint http && http.isMatchOnUriPrefix()).map(PlatformHttpEndpoint.class::cast).toList();
        assertThat(contract).isNotEmpty().allSatisfy(endpoint -> {
            assertThat(endpoint.isUseStreaming()).as(endpoint.getEndpointUri()).isTrue();
            assertThat(endpoint.isPopulateBodyWithForm()).as(endpoint.getEndpointUri()).isFalse();
        });
    }

    /** Answers of the service with a field removed or changed are rejected: the checks above can fail. */
    @Test
    void aLiveAnswerWithAFieldRemovedIsRejected() throws Exception {
        JsonNode answer = post(ANALYTICS, "application/json", bytes(JSON.readTree("""
                {"metrics": ["latency", "request_count"], "from_date": "2020-06-01T00:00:00Z", "to_date": "2020-06-03T00:00:00Z", "group_by": ["model"]}""")))
                .json();
        String analytics = CONTRACT.response("post", ANALYTICS, 200);
        assertThat(CONTRACT.errors(analytics, answer)).isEmpty();
        ObjectNode noPeriod = answer.deepCopy();
        ((ObjectNode) noPeriod.at("/items/0")).remove("time_period");
        assertThat(CONTRACT.errors(analytics, noPeriod)).isNotEmpty();
        ObjectNode noP99 = answer.deepCopy();
        JsonNode item = noP99.at("/items/1/items/0/data/latency");
        assertThat(item.isObject()).as("the answer has a latency object: %s", answer).isTrue();
        ((ObjectNode) item).remove("p99");
        assertThat(CONTRACT.errors(analytics, noP99)).isNotEmpty();

        JsonNode reply = deliveries.get("dapr bulk").json();
        ObjectNode noRetry = reply.deepCopy();
        ((ObjectNode) noRetry.at("/param/summary")).remove("retry_later");
        assertThat(CONTRACT.errors(CONTRACT.response("post", ADD, 200), reply)).isEmpty();
        assertThat(CONTRACT.errors(CONTRACT.response("post", ADD, 200), noRetry)).isNotEmpty();

        JsonNode error = post(ANALYTICS, "text/plain", "x".getBytes(StandardCharsets.UTF_8)).json();
        ObjectNode noParam = error.deepCopy();
        noParam.remove("param");
        assertThat(CONTRACT.errors(CONTRACT.response("post", ANALYTICS, 415), error)).isEmpty();
        assertThat(CONTRACT.errors(CONTRACT.response("post", ANALYTICS, 415), noParam)).isNotEmpty();
    }

    // ---- helpers

    private void assertValid(String method, String path, Answer answer, String what) {
        String schema = CONTRACT.response(method, path, answer.status());
        assertThat(answer.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(CONTRACT.errors(schema, answer.json())).as("%s (%s) against %s", what, answer, schema).isEmpty();
    }

    private void expectError(int status, String method, String path, Answer answer, String field) {
        assertThat(answer.status()).as("%s %s: %s", method, path, answer).isEqualTo(status);
        assertValid(method, path, answer, status + " on " + path);
        assertThat(answer.json().get("code").asInt()).isEqualTo(status);
        if (field != null) {
            assertThat(answer.json().at("/param/errors")).extracting(e -> e.get("field").asText()).contains(field);
        }
    }

    private Answer post(String path, String contentType, byte[] body) throws Exception {
        return send("POST", path, contentType, body, UUID.randomUUID().toString(), true);
    }

    private Answer send(String method, String path, String contentType, byte[] body, String caller, boolean token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (caller != null) {
            request.header("dapr-caller-app-id", caller);
        }
        if (token) {
            request.header("dapr-api-token", TOKEN);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), response.headers(), response.body());
    }

    /** The dashboard requests of examples/analytics, their tokens resolved against the days this test stored. */
    private static Map<String, String> dashboardRequests() throws IOException {
        LocalDateTime now = START.plusDays(3);
        Pattern token = Pattern.compile("\\{\\{NOW(?:-(\\d+)([hdw]))?}}");
        Map<String, String> requests = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Path.of("examples/analytics"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                Matcher m = token.matcher(Files.readString(file));
                StringBuilder text = new StringBuilder();
                while (m.find()) {
                    LocalDateTime at = m.group(1) == null ? now : switch (m.group(2)) {
                        case "h" -> now.minusHours(Long.parseLong(m.group(1)));
                        case "d" -> now.minusDays(Long.parseLong(m.group(1)));
                        default -> now.minusWeeks(Long.parseLong(m.group(1)));
                    };
                    m.appendReplacement(text, at.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
                }
                m.appendTail(text);
                requests.put(file.toString(), text.toString().replace("{{PROJECT_ID}}", PROJECTS[0].toString()));
            }
        }
        return requests;
    }

    private static ObjectNode cloudEvent(JsonNode data) {
        ObjectNode event = JSON.createObjectNode();
        event.put("specversion", "1.0");
        event.put("type", "add_observability_metrics");
        event.put("id", UUID.randomUUID().toString());
        event.put("source", "gateway");
        event.put("datacontenttype", "application/json");
        event.set("data", data);
        return event;
    }

    private static ObjectNode bulk(List<JsonNode> events) {
        ObjectNode bulk = JSON.createObjectNode();
        bulk.put("id", UUID.randomUUID().toString());
        bulk.put("pubsubname", "pubsub");
        bulk.put("topic", "budMetricsMessages");
        bulk.put("type", "com.dapr.event.sent");
        bulk.putObject("metadata");
        ArrayNode entries = bulk.putArray("entries");
        for (int i = 0; i < events.size(); i++) {
            ObjectNode entry = entries.addObject();
            entry.put("entryId", "e-" + i);
            entry.put("contentType", events.get(i).has("specversion") ? "application/cloudevents+json" : "application/json");
            entry.set("event", events.get(i));
        }
        return bulk;
    }

    private static byte[] bytes(JsonNode node) throws IOException {
        return JSON.writeValueAsBytes(node);
    }

    /** {@code json} followed by white space up to {@code size} bytes (still one JSON value, but too large). */
    private static byte[] padded(byte[] json, int size) {
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) ' ');
        System.arraycopy(json, 0, body, 0, json.length);
        return body;
    }
}
