package ai.bud.metrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.Http;
import ai.bud.metrics.ingest.RedisKeys;
import ai.bud.metrics.ingest.TestEvents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The ops view over a running service (structured logs on, the stream consumer on a stream of its own): the request id
 * in and out, the log line of a 5xx with both ids and the exception, and every metric that the Grafana dashboard and
 * the alert rules of deploy/observability name present on /prometheus after real traffic (HTTP and stream ingest, a
 * duplicate, a dead letter, an analytics call, a 5xx).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=observability_test", "budmetrics.log-format=json",
        "budmetrics.redis.ingest-enabled=true", "budmetrics.redis.consumers=1", "budmetrics.redis.block=200ms",
        "budmetrics.redis.retry-backoff=100ms", "budmetrics.redis.max-retry-backoff=1s"})
@AutoConfigureObservability(tracing = false) // tests turn the Prometheus export off unless asked
@ExtendWith({OutputCaptureExtension.class, ObservabilityTest.FreshLogging.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String STREAM = "observability-test-" + RUN;
    private static final String KEY_PREFIX = "budmetrics:test:observability:" + RUN;
    private static final Path OBSERVABILITY = Path.of("deploy/observability");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @DynamicPropertySource
    static void names(DynamicPropertyRegistry registry) {
        registry.add("budmetrics.redis.stream", () -> STREAM);
        registry.add("budmetrics.redis.consumer-group", () -> "observability-" + RUN);
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> KEY_PREFIX);
    }

    @TestConfiguration
    static class FailingRoute {

        /** A route that fails with an unexpected exception: the 500 every route gives for a defect. */
        @Bean
        RouteBuilder failingRoute() {
            return new RouteBuilder() {
                @Override
                public void configure() {
                    from("platform-http:/test/fails?httpMethodRestrict=GET").routeId("test-fails").routeConfigurationId("api-errors")
                            .throwException(new IllegalStateException("observability test failure"));
                }
            };
        }
    }

    /**
     * Logback keeps the configuration of the first context of the JVM: Spring Boot's LogbackLoggingSystem skips a
     * LoggerContext it has marked initialised, and the suite's cached contexts are never closed. Forgetting the mark
     * before this class's context starts gives it the JSON logs it asks for, and after it, the next context its own.
     */
    static final class FreshLogging implements TestInstancePreConstructCallback, AfterAllCallback {

        @Override
        public void preConstructTestInstance(TestInstanceFactoryContext factory, ExtensionContext context) {
            forget();
        }

        @Override
        public void afterAll(ExtensionContext context) {
            forget();
        }

        private static void forget() {
            ((ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory())
                    .removeObject(org.springframework.boot.logging.LoggingSystem.class.getName());
        }
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    private final HttpClient client = HttpClient.newHttpClient();

    @AfterAll
    void cleanUp() {
        redis.delete(STREAM);
        RedisKeys.deleteWithPrefix(redis, KEY_PREFIX + ":");
    }

    private HttpResponse<String> get(int port, String path, String requestId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- request id

    @Test
    void aSaneRequestIdComesBackAndAMissingOrInsaneOneIsReplaced() throws Exception {
        HttpResponse<String> given = get(port, "/ping", "gw-7f3a:42.b_c=+/x");
        assertThat(given.statusCode()).isEqualTo(200);
        assertThat(given.headers().allValues("X-Request-Id")).containsExactly("gw-7f3a:42.b_c=+/x");

        for (String insane : new String[] {"has space", "x".repeat(129), "quote\"d", "new\\nline", ""}) {
            HttpResponse<String> replaced = get(port, "/ping", insane.isEmpty() ? null : insane);
            assertThat(replaced.headers().allValues("X-Request-Id")).as(insane).singleElement()
                    .satisfies(id -> assertThat(id).matches(UUID_TEXT).isNotEqualTo(insane));
        }
        HttpResponse<String> a = get(port, "/ping", null);
        HttpResponse<String> b = get(port, "/ping", null);
        assertThat(a.headers().firstValue("X-Request-Id")).isNotEqualTo(b.headers().firstValue("X-Request-Id"));

        // answers written outside the routes carry it too: the container's 404, through the error dispatch
        HttpResponse<String> missing = get(port, "/no/such/route", "missing-1");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().allValues("X-Request-Id")).containsExactly("missing-1");
    }

    /**
     * The 500's log line is one JSON object holding the request id (set on the container's thread, logged on the route's
     * worker thread), the error id of the answer, and the exception.
     */
    @Test
    void aFiveHundredLogsOneLineWithTheRequestIdTheErrorIdAndTheException(CapturedOutput output) throws Exception {
        String requestId = "observability-" + UUID.randomUUID();
        HttpResponse<String> failed = get(port, "/test/fails", requestId);

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().allValues("X-Request-Id")).containsExactly(requestId);
        String errorId = JSON.readTree(failed.body()).path("param").path("error_id").asText();
        assertThat(errorId).matches(UUID_TEXT);
        assertThat(failed.body()).doesNotContain("IllegalStateException", "observability test failure");

        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.getOut().split("\n")) {
            if (line.startsWith("{") && line.contains(errorId)) {
                lines.add(JSON.readTree(line));
            }
        }
        assertThat(lines).as(output.getOut()).hasSize(1);
        JsonNode line = lines.get(0);
        assertThat(line.path("request_id").asText()).isEqualTo(requestId);
        assertThat(line.path("error_id").asText()).isEqualTo(errorId);
        assertThat(line.path("log.level").asText(line.path("log").path("level").asText())).isEqualTo("ERROR");
        assertThat(line.path("message").asText()).contains(errorId);
        assertThat(line.path("error").path("type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.path("error").path("stack_trace").asText()).contains("observability test failure");
        String thread = line.path("process").path("thread").path("name").asText(line.path("process.thread.name").asText());
        assertThat(thread).as("logged on the route's worker thread, not the container's").isNotEmpty().doesNotStartWith("http-nio");
    }

    // ---- dashboard and alert rules

    @Test
    void everyMetricTheDashboardAndTheRulesNameIsOnPrometheusAfterTraffic() throws Exception {
        Set<String> named = new TreeSet<>();
        for (String expr : dashboardQueries()) {
            named.addAll(PromQlNames.of(expr));
        }
        Set<String> fromDashboard = new TreeSet<>(named);
        for (String expr : ruleExpressions()) {
            named.addAll(PromQlNames.of(expr));
        }
        assertThat(fromDashboard).contains("budmetrics_ingest_entries_total", "budmetrics_ingest_stream_lag",
                "budmetrics_route_step_seconds_bucket", "cache_gets_total", "budmetrics_analytics_queue_wait_seconds_bucket",
                "jvm_memory_used_bytes");
        assertThat(named).contains("budmetrics_ingest_dead_letters_total", "budmetrics_clickhouse_up",
                "http_server_requests_seconds_count");

        traffic();
        // jvm_gc_pause_seconds appears with the first collection, which a short run may not have had yet
        System.gc();

        Set<String> scraped = scrapedNames();
        Set<String> missing = new TreeSet<>(named);
        missing.removeAll(scraped);
        assertThat(missing).as("named in deploy/observability but not on /prometheus").isEmpty();
        // the dashboard selects the analytics route's steps by route id
        for (String step : List.of("parse", "cache", "build", "wait", "execute", "compress")) {
            assertThat(meters.get("budmetrics.route.step").tag("route", "analytics").tag("step", step).timer().count()).as(step)
                    .isGreaterThanOrEqualTo(1);
        }
    }

    /** Ingest over HTTP (stored, a duplicate, a dead letter) and the stream, an analytics call, a 5xx. */
    private void traffic() throws Exception {
        Http http = new Http(port);
        TestEvents events = new TestEvents(7);
        ObjectNode bulk = TestEvents.bulk(List.of(events.event(), events.event()), false);
        assertThat(http.post(bulk).status()).isEqualTo(200);
        Http.Reply again = http.post(bulk);
        assertThat(again.text()).contains("\"duplicates_skipped\":2");
        ObjectNode invalid = events.event();
        invalid.put("request_arrival_time", "not a time");
        assertThat(http.post(TestEvents.bulk(List.of(invalid), false)).text()).contains("DROP");

        redis.opsForStream().add(StreamRecords.string(Map.of("data",
                TestEvents.cloudEvent(TestEvents.bulk(List.of(events.event()), false), "add_observability_metrics").toString()))
                .withStreamKey(STREAM));
        await(() -> meters.find("budmetrics.ingest.stream.entries").tag("result", "acknowledged").counters().stream()
                .mapToDouble(c -> c.count()).sum() >= 1, "the stream entry acknowledged");

        HttpResponse<String> analytics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"metrics\":[\"request_count\"],\"from_date\":\"2026-01-01T00:00:00Z\","
                        + "\"to_date\":\"2026-02-01T00:00:00Z\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(analytics.statusCode()).as(analytics.body()).isEqualTo(200);
        assertThat(get(port, "/test/fails", null).statusCode()).isEqualTo(500);
    }

    private Set<String> scrapedNames() throws Exception {
        HttpResponse<String> scrape = get(managementPort, "/prometheus", null);
        assertThat(scrape.statusCode()).isEqualTo(200);
        Set<String> names = new TreeSet<>();
        for (String line : scrape.body().split("\n")) {
            Matcher name = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(line);
            if (name.find()) {
                names.add(name.group(1));
            }
        }
        return names;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    // ---- what the files name

    /** Every PromQL query of the dashboard: the panels' expressions and the variables' label_values look-ups. */
    static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(OBSERVABILITY.resolve("budmetrics-dashboard.json").toFile());
        List<String> queries = new ArrayList<>();
        dashboard.findValues("expr").forEach(expr -> queries.add(expr.asText()));
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                queries.add(variable.path("definition").asText());
            }
        }
        return queries;
    }

    @SuppressWarnings("unchecked")
    static List<String> ruleExpressions() throws IOException {
        Map<String, Object> rules = new org.yaml.snakeyaml.Yaml().load(Files.readString(OBSERVABILITY.resolve("budmetrics-alerts.yaml")));
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                expressions.add((String) rule.get("expr"));
            }
        }
        return expressions;
    }
}
