package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.web.QueryGate;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The operational wiring of the analytics flow (issue 6): Server-Timing, the query gate's 503, the engine limits sent
 * beside the statement (and the deadline's 504), and cache statistics on /prometheus.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=analytics_ops",
        "budmetrics.analytics.deadline=1s",
        "budmetrics.web.query-gate.permits=1",
        "budmetrics.web.query-gate.max-wait=0s",
        "budmetrics.web.query-gate.retry-after=7s"})
class AnalyticsOperationsTest {

    static final String BODY = "{\"metrics\":[\"request_count\",\"latency\"],\"from_date\":\"2022-05-01T00:00:00Z\","
            + "\"to_date\":\"2022-05-03T00:00:00Z\",\"group_by\":[\"model\"]}";

    @LocalServerPort
    int port;

    @Autowired
    QueryGate gate;

    @Autowired
    AnalyticsFlow flow;

    @Autowired
    CamelContext camel;

    @Autowired
    MeterRegistry meters;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void serverTimingNamesEveryStepOfAMissAndTheStepsOfAHit() throws Exception {
        HttpResponse<String> miss = post(BODY, "no-cache");
        HttpResponse<String> hit = post(BODY, null);

        assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
        assertThat(miss.headers().firstValue("X-Cache")).contains("MISS");
        assertThat(miss.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v).matches(
                "parse;dur=\\d+\\.\\d, cache;dur=\\d+\\.\\d, source;desc=(rollup|raw|mixed), build;dur=\\d+\\.\\d, wait;dur=\\d+\\.\\d, "
                        + "execute;dur=\\d+\\.\\d, shape;dur=\\d+\\.\\d, serialize;dur=\\d+\\.\\d, compress;dur=\\d+\\.\\d"));
        assertThat(hit.headers().firstValue("X-Cache")).contains("HIT");
        assertThat(hit.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v).matches(
                "parse;dur=\\d+\\.\\d, cache;dur=\\d+\\.\\d, compress;dur=\\d+\\.\\d"));
        assertThat(hit.body()).isEqualTo(miss.body());
    }

    /**
     * The answer is compressed in the route (so {@code compress} is a Server-Timing step) with the coding the client
     * ranks best, decodes to the identity answer, and says so in {@code Content-Encoding} and {@code Vary}; a fresh
     * answer and a cached one alike.
     */
    @Test
    void theAnswerIsCompressedInTheRouteAndTimed() throws Exception {
        String hourly = "{\"metrics\":[\"request_count\"],\"from_date\":\"2022-05-01T00:00:00Z\",\"to_date\":\"2022-05-04T00:00:00Z\","
                + "\"frequency_unit\":\"hour\",\"fill_time_gaps\":true}";
        HttpResponse<byte[]> identity = send(hourly, "no-cache", "identity");
        assertThat(identity.statusCode()).isEqualTo(200);
        assertThat(identity.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(identity.headers().allValues("Vary")).anyMatch(v -> v.contains("Accept-Encoding"));
        assertThat(identity.body().length).as("an answer above min-size (1 KB)").isGreaterThan(1024);
        for (String[] ask : new String[][] {{"br", "br"}, {"zstd", "zstd"}, {"gzip", "gzip"}, {"gzip;q=0.5, zstd;q=0.9, br;q=0.1", "zstd"},
                {"deflate, gzip, br", "br"}}) {
            for (String cacheControl : new String[] {"no-cache", null}) {
                HttpResponse<byte[]> coded = send(hourly, cacheControl, ask[0]);
                assertThat(coded.statusCode()).isEqualTo(200);
                assertThat(coded.headers().allValues("Content-Encoding")).as(ask[0]).containsExactly(ask[1]);
                assertThat(coded.headers().allValues("Vary")).anyMatch(v -> v.contains("Accept-Encoding"));
                assertThat(coded.body().length).isLessThan(identity.body().length);
                assertThat(new String(ai.bud.metrics.support.ContentCodings.decode(ask[1], coded.body()), StandardCharsets.UTF_8))
                        .isEqualTo(new String(identity.body(), StandardCharsets.UTF_8));
                assertThat(coded.headers().firstValue("Server-Timing"))
                        .hasValueSatisfying(v -> assertThat(v).matches("parse;dur=.*, compress;dur=\\d+\\.\\d"));
            }
        }
    }

    @Test
    void aQueryOverTheConcurrencyLimitGets503WithRetryAfter() throws Exception {
        HttpResponse<String> refused;
        try (QueryGate.Permit held = gate.acquire()) {
            refused = post(BODY, "no-cache");
        }
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).contains("7");
        assertThat(refused.body()).contains("\"object\":\"error\"", "\"code\":503");
        HttpResponse<String> after = post(BODY, "no-cache");
        assertThat(after.statusCode()).as("the permit came back: " + after.body()).isEqualTo(200);
        assertThat(gate.available()).isEqualTo(1);
    }

    /**
     * The engine gets what is left of the request's deadline beside the statement ({@code max_execution_time} as a
     * setting of the request), so the statement carries none; priority, the threads' number and nice value, and the memory
     * cap go with it.
     */
    @Test
    void theLimitsGoBesideTheStatementNotInIt() {
        AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC()).parse(BODY.getBytes(StandardCharsets.UTF_8));
        Exchange exchange = exchange(request, null);

        SqlQuery query = flow.buildQuery(exchange);

        assertThat(query.sql()).doesNotContain("max_execution_time");
        assertThat(flow.limits()).containsEntry("priority", "10").containsEntry("os_thread_priority", "10")
                .containsKeys("max_threads", "max_memory_usage");
        assertThat(Integer.parseInt(flow.limits().get("max_threads"))).isBetween(1, Runtime.getRuntime().availableProcessors());
        assertThat(AnalyticsFlow.seconds(java.time.Duration.ofMillis(1234))).isEqualTo("1.234");
        assertThat(AnalyticsFlow.seconds(java.time.Duration.ofSeconds(30))).isEqualTo("30");
    }

    @Test
    void topKReadsTheTablesOnceThroughAMaterializedSourceOnTheEmbeddedEngine() {
        // ranked by latency: ranked and answer both read source, which is computed once
        AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC()).parse(BODY.replace("\"group_by\"", "\"topk\":2,\"group_by\"")
                .replace("[\"request_count\",\"latency\"]", "[\"latency\",\"request_count\"]").getBytes(StandardCharsets.UTF_8));

        SqlQuery query = flow.buildQuery(exchange(request, null));

        assertThat(query.sql()).contains("    source AS MATERIALIZED (").contains("FROM source GROUP BY")
                .endsWith("\nSETTINGS enable_materialized_cte = 1");
    }

    @Test
    void topKByACountOfTheDetailsRowsRanksFromTheirOwnSumsAndReadsSourceOnce() {
        AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC())
                .parse(BODY.replace("\"group_by\"", "\"topk\":2,\"group_by\"").getBytes(StandardCharsets.UTF_8));

        SqlQuery query = flow.buildQuery(exchange(request, null));

        assertThat(query.sql()).contains("    rank_source AS (").contains("FROM rank_source GROUP BY").doesNotContain("FROM source GROUP BY")
                .doesNotContain("MATERIALIZED").doesNotContain("enable_materialized_cte");
    }

    @Test
    void aQueryStoppedByMaxExecutionTimeIs504NotAStorageFailure() {
        AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC()).parse(BODY.getBytes(StandardCharsets.UTF_8));
        // runs far longer than the configured second, so the engine stops it with TIMEOUT_EXCEEDED (159)
        SqlQuery endless = new SqlQuery("SELECT sum(number) AS bucket FROM numbers(1000000000000) SETTINGS max_execution_time = 1", java.util.Map.of());

        assertThatThrownBy(() -> flow.runQuery(exchange(request, endless)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(504);
                    assertThat(e.getMessage()).contains("1 s deadline");
                });
    }

    @Test
    void cacheStatisticsArePublished() throws Exception {
        double before = hits("analytics-history");
        post(BODY, "no-cache");
        post(BODY, null);

        // the Micrometer meters /prometheus shows as cache_gets_total{cache="analytics-history",result="hit"}, cache_size…
        assertThat(hits("analytics-history")).isEqualTo(before + 1);
        assertThat(meters.find("cache.size").tag("cache", "analytics-live").gauge()).isNotNull();
        assertThat(meters.find("cache.evictions").tag("cache", "analytics-live").functionCounter()).isNotNull();
    }

    private double hits(String cache) {
        return meters.get("cache.gets").tag("cache", cache).tag("result", "hit").functionCounter().count();
    }

    private Exchange exchange(AnalyticsRequest request, SqlQuery body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(AnalyticsFlow.REQUEST, request);
        exchange.getMessage().setBody(body);
        return exchange;
    }

    private HttpResponse<byte[]> send(String body, String cacheControl, String acceptEncoding) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .header("Content-Type", "application/json")
                .header("Accept-Encoding", acceptEncoding)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cacheControl != null) {
            request.header("Cache-Control", cacheControl);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<String> post(String body, String cacheControl) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cacheControl != null) {
            request.header("Cache-Control", cacheControl);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
