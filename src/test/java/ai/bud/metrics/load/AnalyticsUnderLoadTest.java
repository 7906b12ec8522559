package ai.bud.metrics.load;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.clickhouse.ClickHouseConnector;
import ai.bud.metrics.ingest.RedisKeys;
import ai.bud.metrics.ingest.Rows;
import ai.bud.metrics.ingest.TestEvents;
import ai.bud.metrics.web.QueryGate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Dashboards never starve ingestion and nothing outlives its caller (SPEC §6b), on the real engine and Redis: with every
 * analytics slot held and every query connection of the engine busy, an analytics request is refused at once (503 +
 * Retry-After) while a bulk posted and a stream entry added at the same time are stored; a client that goes away has its
 * query gone from the engine within 1.5 s; a request over the per-query memory cap is a clear 503 and the service goes on.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=under_load",
        "budmetrics.web.query-gate.permits=2",
        "budmetrics.analytics.max-memory=12MB",
        "budmetrics.redis.ingest-enabled=true", "budmetrics.redis.consumer-name=under-load", "budmetrics.redis.block=200ms",
        "budmetrics.redis.claim-idle=30s"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsUnderLoadTest {

    private static final String DATABASE = "under_load";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String STREAM = "under-load-test-" + RUN;
    /** The analytics engine settings a busy dashboard query runs with (AnalyticsFlow's: behind ingestion, one thread). */
    private static final String ANALYTICS_SETTINGS = "priority=10&max_threads=1";
    private static final Pattern COUNT = Pattern.compile("\"count\":(\\d+)");

    @DynamicPropertySource
    static void streamNames(DynamicPropertyRegistry registry) {
        registry.add("budmetrics.redis.stream", () -> STREAM);
        registry.add("budmetrics.redis.consumer-group", () -> STREAM + "-group");
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> "budmetrics:test:" + RUN);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    ClickHouseConnector connector;

    @Autowired
    QueryGate gate;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    MeterRegistry meters;

    private final HttpClient http = HttpClient.newHttpClient();
    /** The concurrent clients' threads (the common pool may have one thread on a small machine). */
    private final java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(4);
    private final TestEvents events = new TestEvents(16);
    private Rows rows;

    @BeforeAll
    void setUp() throws Exception {
        rows = new Rows(dataSource);
        // what an earlier run of this suite left in its database
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            Rows.emptyDetailsAndRollups(statement);
        }
    }

    @AfterAll
    void tearDown() {
        clients.shutdownNow();
        redis.delete(STREAM);
        RedisKeys.deleteWithPrefix(redis, "budmetrics:test:" + RUN + ":");
    }

    @Test
    void withEverySlotHeldAnalyticsIsRefusedAtOnceWhileABulkAndAStreamEntryAreStored() throws Exception {
        List<String> busy = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> scans = new ArrayList<>();
        List<QueryGate.Permit> held = new ArrayList<>();
        String light = "{\"metrics\":[\"request_count\"],\"from_date\":\"2022-05-01T00:00:00Z\",\"to_date\":\"2022-05-03T00:00:00Z\"}";
        // a first answer of each kind, so that nothing below waits for the service's own warm-up (a loaded machine loads
        // and compiles the classes of a first 503 slowly)
        assertThat(EngineLoad.postAnalytics(port, light).statusCode()).isEqualTo(200);
        assertThat(postBulk(List.of(events.event())).statusCode()).isEqualTo(200);
        try (QueryGate.Permit first = gate.acquire(); QueryGate.Permit second = gate.acquire()) {
            assertThat(EngineLoad.postAnalytics(port, light).statusCode()).isEqualTo(503);
        }
        try {
            // every query connection of the engine is held by a dashboard-like query (one that sleeps: the machine's CPU
            // is not what this test is about), and every analytics slot is taken
            for (int i = 0; i < connector.properties().embedded().connections(); i++) {
                String id = "under-load-busy-" + i + "-" + RUN;
                busy.add(id);
                scans.add(enginePost(id, ANALYTICS_SETTINGS + "&max_block_size=1",
                        "SELECT sum(sleepEachRow(1)) FROM numbers(100000)"));
            }
            EngineLoad.await("the scans running", Duration.ofSeconds(20), () -> runningIds().containsAll(busy));
            for (int i = 0; i < gate.size(); i++) {
                held.add(gate.acquire());
            }

            List<ObjectNode> posted = List.of(events.event(), events.event(), events.event());
            List<ObjectNode> streamed = List.of(events.event(), events.event());
            long started = System.nanoTime();
            CompletableFuture<HttpResponse<String>> analytics = CompletableFuture.supplyAsync(
                    () -> call(() -> EngineLoad.postAnalytics(port, light)), clients);
            CompletableFuture<HttpResponse<String>> bulk = CompletableFuture.supplyAsync(() -> call(() -> postBulk(posted)), clients);
            redis.opsForStream().add(StreamRecords.string(Map.of("data", TestEvents.gatewayEvent(streamed).toString()))
                    .withStreamKey(STREAM));

            HttpResponse<String> refused = analytics.get(10, TimeUnit.SECONDS);
            long refusedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            assertThat(refusedAfterMillis).as("time to the 503, ms").isLessThan(1500);

            HttpResponse<String> acknowledged = bulk.get(20, TimeUnit.SECONDS);
            assertThat(acknowledged.statusCode()).as(acknowledged.body()).isEqualTo(200);
            JsonNode statuses = new ObjectMapper().readTree(acknowledged.body()).path("statuses");
            assertThat(statuses).hasSize(posted.size());
            statuses.forEach(status -> assertThat(status.path("status").asText()).isEqualTo("SUCCESS"));
            assertThat(rows.countsPerId(ids(posted))).as("the acknowledged bulk is stored").hasSize(posted.size())
                    .allSatisfy((id, count) -> assertThat(count).isEqualTo(1L));
            EngineLoad.await("the stream entry stored", Duration.ofSeconds(20), () -> rows.countsPerId(ids(streamed)).size() == streamed.size());
            // each scan holds its engine connection until it answers: none has, so the slots were held all along
            // (their value is summed: a count() over the sleeps let the engine skip them, and they answered at once)
            assertThat(runningIds()).as("the scans are running").containsAll(busy);
            assertThat(scans).as("the scans were still running all along").noneMatch(CompletableFuture::isDone);
        } finally {
            held.forEach(QueryGate.Permit::close);
            for (String id : busy) {
                enginePost(null, "workload=ingest", "KILL QUERY WHERE query_id = '" + id + "' SYNC").get(20, TimeUnit.SECONDS);
            }
            for (CompletableFuture<HttpResponse<String>> scan : scans) {
                scan.get(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aClientThatGoesAwayHasItsQueryGoneFromTheEngineWithinASecondAndAHalf() throws Exception {
        EngineLoad.replaceDetailsWithEndlessView(dataSource);
        try {
            double cancelledBefore = cancelled("disconnect");
            try (Socket client = EngineLoad.sendAndHold(port, EngineLoad.ENDLESS_DAY_REQUEST)) {
                EngineLoad.await("the request's query running", Duration.ofSeconds(20),
                        () -> !EngineLoad.runningAnalytics(dataSource, DATABASE).isEmpty());
                Thread.sleep(300);
                assertThat(EngineLoad.runningAnalytics(dataSource, DATABASE)).as("still running while the client waits").hasSize(1);
            }
            long goneAfterMillis = EngineLoad.await("the query gone", Duration.ofSeconds(20),
                    () -> EngineLoad.runningAnalytics(dataSource, DATABASE).isEmpty());
            assertThat(goneAfterMillis).as("ms from the client closing its connection to no engine query").isLessThan(1500);
            EngineLoad.await("the cancel counted", Duration.ofSeconds(5), () -> cancelled("disconnect") == cancelledBefore + 1);
        } finally {
            EngineLoad.restoreDetails(dataSource);
        }
    }

    /**
     * Analytics work runs behind ingestion in the kernel too: past the cache the route's thread is one of the
     * {@code analytics-} threads at nice 10 (ANALYTICS_OS_THREAD_PRIORITY's default), and the engine runs the query with
     * {@code os_thread_priority = 10} (which it applies to its own threads where it has CAP_SYS_NICE; chDB 26.5 lists it
     * under its newer name, {@code os_threads_nice_value_query}), while the threads
     * that take ingestion (Tomcat's) stay at the process's priority. Read from the kernel's thread table.
     */
    @Test
    void analyticsWorkRunsAtALowerOsPriorityThanIngestion() throws Exception {
        EngineLoad.replaceDetailsWithEndlessView(dataSource);
        try (Socket client = EngineLoad.sendAndHold(port, EngineLoad.ENDLESS_DAY_REQUEST)) {
            EngineLoad.await("the request's query running", Duration.ofSeconds(20),
                    () -> !EngineLoad.runningAnalytics(dataSource, DATABASE).isEmpty());
            String settings = enginePost(null, "workload=ingest", "SELECT if(Settings['os_thread_priority'] != '',"
                    + " Settings['os_thread_priority'], Settings['os_threads_nice_value_query']) FROM system.processes"
                    + " WHERE query LIKE '%FROM ModelInferenceDetails AS d%' AND query NOT LIKE '%system.processes%'")
                    .get(20, TimeUnit.SECONDS).body();
            assertThat(settings.strip()).as("the engine's setting for the running analytics query").isEqualTo("10");

            Map<String, List<Integer>> niceByName = OsThreads.niceByName();
            assertThat(niceByName.entrySet().stream().filter(e -> e.getKey().startsWith("analytics-")
                    && !e.getKey().startsWith("analytics-canc")).flatMap(e -> e.getValue().stream()).toList())
                    .as("the analytics route's threads").isNotEmpty().containsOnly(10);
            assertThat(niceByName.getOrDefault("analytics-cance", List.of())).as("the cancels' timer (the kernel keeps 15"
                    + " characters of a name), which frees the CPU for ingestion").isNotEmpty().containsOnly(0);
            assertThat(niceByName.entrySet().stream().filter(e -> e.getKey().startsWith("http-nio"))
                    .flatMap(e -> e.getValue().stream()).toList()).as("Tomcat's threads, which take ingestion").isNotEmpty().containsOnly(0);
            if (OsThreads.mayRaisePriority()) {
                assertThat(niceByName.entrySet().stream().filter(e -> !e.getKey().startsWith("analytics"))
                        .flatMap(e -> e.getValue().stream()).filter(nice -> nice == 10).count())
                        .as("engine threads running the query at os_thread_priority 10").isPositive();
            }
        } finally {
            EngineLoad.await("the query gone", Duration.ofSeconds(20), () -> EngineLoad.runningAnalytics(dataSource, DATABASE).isEmpty());
            EngineLoad.restoreDetails(dataSource);
        }
    }

    @Test
    void aRequestOverTheMemoryCapIsAClear503AndTheServiceGoesOn() throws Exception {
        int stored = 200_000;
        // one row every half second from 2022-07-01 on (27.8 hours), each with an endpoint of its own
        EngineLoad.execute(dataSource, "INSERT INTO ModelInferenceDetails (inference_id, project_id, endpoint_id, model_id, is_success,"
                + " request_arrival_time, request_forward_time) SELECT generateUUIDv4(), toUUID('44444444-4444-4444-8444-444444444444'),"
                + " reinterpretAsUUID(sipHash128(number)), toUUID('55555555-5555-4555-8555-555555555555'), true,"
                + " toDateTime64('2022-07-01 00:00:00', 3) + number * 0.5, toDateTime64('2022-07-01 00:00:00', 3) + number * 0.5 + 0.1"
                + " FROM numbers(" + stored + ")");
        String range = "\"from_date\":\"2022-07-01T00:00:00Z\",\"to_date\":\"2022-07-03T00:00:00Z\"";

        HttpResponse<String> heavy = EngineLoad.postAnalytics(port, "{\"metrics\":[\"request_count\",\"latency\"]," + range
                + ",\"group_by\":[\"endpoint\"],\"topk\":5}");
        assertThat(heavy.statusCode()).as(heavy.body()).isEqualTo(503);
        assertThat(heavy.body()).contains("memory").doesNotContain("DB::Exception");
        assertThat(heavy.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"");

        HttpResponse<String> next = EngineLoad.postAnalytics(port, "{\"metrics\":[\"request_count\"]," + range + ",\"frequency_unit\":\"day\"}");
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        long counted = 0;
        for (Matcher m = COUNT.matcher(next.body()); m.find(); ) {
            counted += Long.parseLong(m.group(1));
        }
        assertThat(counted).as("every stored row counted once").isEqualTo(stored);
    }

    private HttpResponse<String> postBulk(List<ObjectNode> posted) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/add"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestEvents.bulk(posted, false).toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double cancelled(String reason) {
        io.micrometer.core.instrument.Counter counter = meters.find("budmetrics.analytics.queries.cancelled").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static List<String> ids(List<ObjectNode> events) {
        return events.stream().map(e -> e.path("inference_id").asText()).toList();
    }

    /** A statement on the engine's port, as any ClickHouse client sends it. */
    private CompletableFuture<HttpResponse<String>> enginePost(String queryId, String settings, String sql) {
        String params = settings + (queryId == null ? "" : "&query_id=" + URLEncoder.encode(queryId, StandardCharsets.UTF_8));
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.port() + "/?" + params))
                .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The client query ids the engine runs now (asked on the ingest lane: the query lane is busy). */
    private List<String> runningIds() throws Exception {
        String body = enginePost(null, "workload=ingest", "SELECT Settings['log_comment'] FROM system.processes").get(20, TimeUnit.SECONDS).body();
        return body.isBlank() ? List.of() : List.of(body.strip().split("\n"));
    }

    interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T call(Call<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
