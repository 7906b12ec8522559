package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded port honours a ClickHouse client's {@code query_id} and settings as a server does (SPEC §6a, §6b): the
 * query runs under the client's id, {@code KILL QUERY WHERE query_id = …} stops it, a second query with a running id is
 * refused; settings sent as URL parameters apply to that request only, within the sandbox (the engine's fixed settings
 * and the port's own id setting are refused); ingest statements ({@code workload=ingest}) have connections that the
 * port's other clients cannot take.
 */
class EnginePortQueryIdTest {

    /** A scan that runs for minutes on one thread and stops at the engine's next check when told to. */
    static final String SLOW = "SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) = 7";

    private static final HttpClient http = HttpClient.newHttpClient();
    private static String base;

    @BeforeAll
    static void start() {
        base = "http://127.0.0.1:" + TestClickHouse.connector().port() + "/";
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(String params, String sql) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "?" + params)).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String params, String sql) throws Exception {
        return postAsync(params, sql).get(60, TimeUnit.SECONDS);
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The client ids of the port's queries running now, as the engine lists them. */
    private static List<String> runningClientIds() throws Exception {
        // from the ingest lane: the query lane may be all busy
        String ids = post("workload=ingest", "SELECT Settings['" + EngineUserConfig.QUERY_ID_SETTING + "'] FROM system.processes").body();
        return ids.isBlank() ? List.of() : List.of(ids.strip().split("\n"));
    }

    private static void awaitRunning(String queryId) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!runningClientIds().contains(queryId)) {
            assertThat(System.nanoTime()).as("query " + queryId + " never showed up in system.processes").isLessThan(until);
            Thread.sleep(20);
        }
    }

    @Test
    void aQueryRunsUnderTheClientsIdAndKillQueryByThatIdStopsIt() throws Exception {
        String id = "client-" + UUID.randomUUID();
        CompletableFuture<HttpResponse<String>> slow = postAsync("query_id=" + id + "&max_threads=1", SLOW);
        awaitRunning(id);

        HttpResponse<String> twin = post("query_id=" + id, "SELECT 1");
        assertThat(twin.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(twin.headers().firstValue("X-ClickHouse-Exception-Code")).contains("216");

        long killed = System.nanoTime();
        HttpResponse<String> kill = post("param_id=" + encoded(id), "KILL QUERY WHERE query_id = {id:String}");
        assertThat(kill.statusCode()).as(kill.body()).isEqualTo(200);
        assertThat(kill.body()).as("the KILL found the query").isNotBlank();

        HttpResponse<String> stopped = slow.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed)).as("time from KILL to the answer").isLessThan(1000);
        assertThat(stopped.headers().firstValue("X-ClickHouse-Query-Id")).contains(id);
        assertThat(stopped.headers().firstValue("X-ClickHouse-Exception-Code")).contains("394");
        assertThat(runningClientIds()).doesNotContain(id);
        // the id is free again, and the connection that ran the stopped query answers cleanly
        assertThat(post("query_id=" + id, "SELECT 40 + 2").body()).isEqualTo("42\n");
    }

    @Test
    void aKillWithTheIdAsALiteralStopsOnlyThatQuery() throws Exception {
        String target = "target-" + UUID.randomUUID();
        String bystander = "bystander-" + UUID.randomUUID();
        CompletableFuture<HttpResponse<String>> first = postAsync("query_id=" + target + "&max_threads=1", SLOW);
        CompletableFuture<HttpResponse<String>> second = postAsync("query_id=" + bystander + "&max_threads=1", SLOW);
        awaitRunning(target);
        awaitRunning(bystander);

        assertThat(post("", "KILL QUERY WHERE query_id = '" + target + "' SYNC").statusCode()).isEqualTo(200);

        assertThat(first.get(10, TimeUnit.SECONDS).headers().firstValue("X-ClickHouse-Exception-Code")).contains("394");
        assertThat(runningClientIds()).contains(bystander).doesNotContain(target);
        post("", "KILL QUERY WHERE query_id = '" + bystander + "' SYNC");
        assertThat(second.get(10, TimeUnit.SECONDS).headers().firstValue("X-ClickHouse-Exception-Code")).contains("394");
    }

    @Test
    void settingsSentAsUrlParametersApplyToThatRequest() throws Exception {
        assertThat(post("priority=7&max_threads=3&max_memory_usage=123456789",
                "SELECT getSetting('priority'), getSetting('max_threads'), getSetting('max_memory_usage')").body())
                .isEqualTo("7\t3\t123456789\n");
        // fractions of a second, as a server takes them: the service sends what is left of a deadline
        long started = System.nanoTime();
        HttpResponse<String> timedOut = post("max_execution_time=0.5&max_threads=1", SLOW);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(timedOut.headers().firstValue("X-ClickHouse-Exception-Code")).contains("159");
        assertThat(tookMillis).isBetween(400L, 1500L);
        // and none of it stays on the connection
        for (int i = 0; i < 8; i++) {
            assertThat(post("", "SELECT getSetting('priority'), getSetting('max_execution_time')").body()).isEqualTo("0\t0\n");
        }
    }

    @Test
    void settingsThatWouldLeaveTheSandboxAreRefused() throws Exception {
        for (String fixed : List.of("dialect=prql", "readonly=0&format_schema=x", "format_template_row=%2Fetc%2Fpasswd")) {
            HttpResponse<String> refused = post(fixed, "SELECT 1");
            assertThat(refused.statusCode()).as(fixed + ": " + refused.body()).isEqualTo(403);
        }
        HttpResponse<String> unknown = post("no_such_setting_here=1", "SELECT 1");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(post("", "SELECT 1").body()).isEqualTo("1\n");
    }

    @Test
    void ingestStatementsHaveConnectionsTheOtherClientsCannotTake() throws Exception {
        int queryLane = TestClickHouse.connector().properties().embedded().connections();
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
        try {
            for (int i = 0; i < queryLane; i++) {
                String id = "busy-" + i + "-" + UUID.randomUUID();
                ids.add(id);
                busy.add(postAsync("query_id=" + id + "&max_threads=1", SLOW));
            }
            for (String id : ids) {
                awaitRunning(id);
            }
            CompletableFuture<HttpResponse<String>> queued = postAsync("", "SELECT 'queued'");
            HttpResponse<String> ingest = postAsync("workload=ingest&priority=1", "SELECT 'ingest'").get(5, TimeUnit.SECONDS);
            assertThat(ingest.body()).isEqualTo("ingest\n");
            assertThat(queued).as("every query connection is busy").isNotDone();
            for (String id : ids) {
                post("workload=ingest", "KILL QUERY WHERE query_id = '" + id + "'");
            }
            assertThat(queued.get(10, TimeUnit.SECONDS).body()).isEqualTo("queued\n");
        } finally {
            for (String id : ids) {
                post("workload=ingest", "KILL QUERY WHERE query_id = '" + id + "' SYNC");
            }
            for (CompletableFuture<HttpResponse<String>> query : busy) {
                query.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
