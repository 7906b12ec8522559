package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * POST /observability/analytics over HTTP on the embedded engine, against {@link Oracle}'s independent computation
 * over the same generated events. Whole responses are compared field by field.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "budmetrics.clickhouse.database=analytics_it")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsEndToEndTest {

    static final Instant DATA_FROM = Instant.parse("2023-11-20T00:00:00Z");
    static final Instant DATA_TO = Instant.parse("2024-04-10T00:00:00Z");
    static final GeneratedEvents DATA = new GeneratedEvents(20240131L, 3000, DATA_FROM, DATA_TO);
    static final String[] ALL = MetricRegistry.all().stream().map(MetricDefinition::name).toArray(String[]::new);

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Oracle oracle = new Oracle(DATA.events);
    private final List<String> timings = new ArrayList<>();

    @BeforeAll
    void load() throws Exception {
        DATA.replaceAll(dataSource);
        try (var connection = dataSource.getConnection(); var statement = connection.createStatement();
                var rows = statement.executeQuery("SELECT count(), countIf(i.timestamp != toStartOfSecond(d.request_arrival_time)) "
                        + "FROM ModelInference AS i INNER JOIN ModelInferenceDetails AS d ON d.inference_id = i.inference_id")) {
            rows.next();
            // the generated ModelInference ids are UUIDv7 whose time is the arrival (the table's materialized timestamp)
            assertThat(rows.getLong(1)).isEqualTo(DATA.events.stream().filter(GeneratedEvents.Event::inference).count());
            assertThat(rows.getLong(2)).isZero();
        }
    }

    @AfterAll
    void report() {
        timings.forEach(System.out::println);
    }

    static Stream<Arguments> cases() {
        UUID model0 = DATA.models.get(0);
        List<Arguments> cases = new ArrayList<>();
        for (String metric : ALL) {
            cases.add(Arguments.of("alone " + metric, Ask.of("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z", metric)));
        }
        cases.add(Arguments.of("all metrics", Ask.of("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z", ALL)));
        cases.add(Arguments.of("calendar hour", Ask.of("2024-02-01T00:00:00Z", "2024-02-03T12:00:00Z", "request_count", "latency").unit("hour")));
        cases.add(Arguments.of("calendar day, to_date without offset", Ask.of("2024-02-01T05:00:00", "2024-02-20T10:00:00", "request_count", "ttft").unit("day")));
        cases.add(Arguments.of("calendar week", Ask.of("2023-12-01T00:00:00Z", "2024-03-01T00:00:00Z", "request_count", "cache").unit("week")));
        cases.add(Arguments.of("calendar month", Ask.of("2023-11-15T00:00:00Z", "2024-04-15T00:00:00Z", "success_request", "throughput").unit("month")));
        cases.add(Arguments.of("calendar quarter", Ask.of("2023-11-15T00:00:00Z", "2024-04-15T00:00:00Z", "failure_request", "queuing_time").unit("quarter")));
        cases.add(Arguments.of("calendar year", Ask.of("2023-01-15T00:00:00Z", "2024-04-15T00:00:00Z", "input_token", "output_token").unit("year")));
        cases.add(Arguments.of("aligned 3 hours", Ask.of("2024-02-01T01:30:00.250Z", "2024-02-04T00:00:00Z", "request_count", "concurrent_requests").every(3, "hour")));
        cases.add(Arguments.of("aligned 2 days", Ask.of("2024-01-03T07:00:00Z", "2024-02-10T00:00:00Z", "latency", "request_count").every(2, "day")));
        cases.add(Arguments.of("aligned 7 days", Ask.of("2024-01-03T07:00:00+02:00", "2024-03-10T00:00:00Z", "request_count", "cache").every(7, "day")));
        cases.add(Arguments.of("aligned 1 week", Ask.of("2024-01-03T07:00:00Z", "2024-03-10T00:00:00Z", "request_count").every(1, "week")));
        cases.add(Arguments.of("aligned 1 month from Jan 31", Ask.of("2024-01-31T12:00:00Z", "2024-04-10T00:00:00Z", "request_count", "latency").every(1, "month")));
        cases.add(Arguments.of("aligned 1 month from Nov 30", Ask.of("2023-11-30T00:00:00Z", "2024-04-10T00:00:00Z", "request_count").every(1, "month")));
        cases.add(Arguments.of("aligned 1 quarter", Ask.of("2023-11-30T00:00:00Z", "2024-04-10T00:00:00Z", "request_count").every(1, "quarter")));
        cases.add(Arguments.of("filter one model", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "request_count", "latency").filter("model", model0)));
        cases.add(Arguments.of("filter project list and endpoint", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "request_count", "output_token")
                .filter("project", DATA.projects.get(0), DATA.projects.get(2)).filter("endpoint", DATA.endpoints.get(0), DATA.endpoints.get(4), DATA.endpoints.get(5))));
        cases.add(Arguments.of("group by model", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "request_count", "concurrent_requests", "ttft").groupBy("model")));
        cases.add(Arguments.of("group by project, endpoint", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "success_request", "cache").groupBy("project", "endpoint")));
        cases.add(Arguments.of("group by endpoint, model with filter", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "request_count")
                .groupBy("endpoint", "model").filter("model", DATA.models.get(1), DATA.models.get(2))));
        cases.add(Arguments.of("topk 2 by model", Ask.of("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "request_count", "latency").groupBy("model").topk(2)));
        cases.add(Arguments.of("topk 3 of project x endpoint by latency (asc)", Ask.of("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "latency", "request_count")
                .groupBy("project", "endpoint").topk(3)));
        cases.add(Arguments.of("topk 2 by ttft (asc)", Ask.of("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "ttft").groupBy("endpoint").topk(2).unit("week")));
        cases.add(Arguments.of("topk 2 by queuing_time (asc)", Ask.of("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "queuing_time", "cache").groupBy("model", "project").topk(2)));
        cases.add(Arguments.of("topk 1 by concurrent_requests", Ask.of("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "concurrent_requests").groupBy("endpoint").topk(1)));
        cases.add(Arguments.of("no delta", Ask.of("2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z", "request_count", "latency", "cache").groupBy("model").delta(false)));
        cases.add(Arguments.of("no fill", Ask.of("2024-01-01T00:00:00Z", "2024-02-10T00:00:00Z", "request_count", "throughput").filter("endpoint", DATA.endpoints.get(3))
                .unit("hour").fill(false)));
        cases.add(Arguments.of("fill hours", Ask.of("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "request_count").filter("endpoint", DATA.endpoints.get(3)).unit("hour")));
        cases.add(Arguments.of("Asia/Kolkata days", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "request_count", "latency").timezone("Asia/Kolkata")));
        cases.add(Arguments.of("America/New_York days over DST", Ask.of("2024-03-05T00:00:00Z", "2024-03-15T00:00:00Z", "request_count", "concurrent_requests")
                .groupBy("project").timezone("America/New_York")));
        cases.add(Arguments.of("UTC given: offset suffix, weeks", Ask.of("2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", "request_count").unit("week").timezone("UTC")));
        cases.add(Arguments.of("Asia/Kolkata aligned month", Ask.of("2024-01-31T00:00:00Z", "2024-04-10T00:00:00Z", "request_count").every(1, "month").timezone("Asia/Kolkata")));
        cases.add(Arguments.of("largest: all metrics, hourly, project x endpoint, whole range", Ask.of("2023-11-20T00:00:00Z", "2024-04-10T00:00:00Z", ALL)
                .unit("hour").groupBy("project", "endpoint")));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersLikeTheOracle(String name, Ask ask) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = post(exactPercentiles(ask), "no-cache");
        long millis = (System.nanoTime() - started) / 1_000_000;
        timings.add(String.format("e2e %-70s %6d ms, %8d bytes", name, millis, response.body().length()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode actual = mapper.readTree(response.body());
        JsonNode expected = oracle.expected(ask);
        assertThat(expected.get("items").size()).as("the case must produce buckets").isPositive();
        assertThat(expected.get("items").findValues("data")).as("the case must have data").isNotEmpty();
        assertThat(JsonComparison.differences(expected, actual)).as(name).isEmpty();
    }

    /**
     * The oracle's percentiles are exact: a request for ttft or latency asks for them from raw rows. Every other metric is
     * answered from the rollup wherever the range allows (X-Budmetrics-Source: rollup or mixed), so the oracle checks the
     * rollup too; the events reached it through the materialized views (details first, ModelInference after).
     */
    private String exactPercentiles(Ask ask) {
        String body = ask.toJson(mapper);
        boolean percentiles = ask.metrics().stream().anyMatch(m -> MetricRegistry.get(m).sketched());
        return percentiles ? body.replaceFirst("\\{", "{\"exact_percentiles\":true,") : body;
    }

    @Test
    void saysWhichRowsAnswered() throws Exception {
        Ask whole = Ask.of("2024-01-01T00:00:00Z", "2024-01-04T23:59:59.999Z", "request_count", "cache", "concurrent_requests").groupBy("model");
        HttpResponse<String> rollup = post(whole.toJson(mapper), "no-cache");
        assertThat(rollup.headers().firstValue("X-Budmetrics-Source")).contains("rollup");
        assertThat(rollup.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v).contains("source;desc=rollup"));
        assertThat(JsonComparison.differences(oracle.expected(whole), mapper.readTree(rollup.body()))).isEmpty();

        Ask edges = Ask.of("2024-01-01T00:07:00Z", "2024-01-04T12:00:00Z", "request_count", "cache", "concurrent_requests").groupBy("model");
        HttpResponse<String> mixed = post(edges.toJson(mapper), "no-cache");
        assertThat(mixed.headers().firstValue("X-Budmetrics-Source")).contains("mixed");
        assertThat(JsonComparison.differences(oracle.expected(edges), mapper.readTree(mixed.body()))).isEmpty();

        String latency = whole.metrics("latency").toJson(mapper);
        assertThat(post(latency, "no-cache").headers().firstValue("X-Budmetrics-Source")).contains("rollup");
        String exact = latency.replaceFirst("\\{", "{\"exact_percentiles\":true,");
        HttpResponse<String> raw = post(exact, "no-cache");
        assertThat(raw.headers().firstValue("X-Budmetrics-Source")).contains("raw");
        assertThat(raw.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v).contains("source;desc=raw"));
        assertThat(JsonComparison.differences(oracle.expected(whole.metrics("latency")), mapper.readTree(raw.body()))).isEmpty();
        // the option is part of the cache key: the exact answer is not the sketched one's cache entry
        assertThat(post(exact, null).headers().firstValue("X-Cache")).contains("HIT");
        assertThat(post(latency, null).headers().firstValue("X-Cache")).contains("HIT");
        assertThat(post(latency, null).body()).isNotEqualTo(raw.body());
        // exact percentiles change nothing for metrics without percentiles
        String counts = whole.toJson(mapper).replaceFirst("\\{", "{\"exact_percentiles\":true,");
        assertThat(post(counts, "no-cache").headers().firstValue("X-Budmetrics-Source")).contains("rollup");
    }

    @Test
    void everyMetricTogetherEqualsItselfAlone() throws Exception {
        Ask base = Ask.of("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", ALL).groupBy("model").unit("week");
        JsonNode together = mapper.readTree(post(base.toJson(mapper), "no-cache").body());
        boolean someData = false;
        for (String metric : ALL) {
            JsonNode alone = mapper.readTree(post(base.metrics(metric).toJson(mapper), "no-cache").body());
            assertThat(alone.get("items").size()).isEqualTo(together.get("items").size());
            for (int b = 0; b < alone.get("items").size(); b++) {
                JsonNode items = alone.get("items").get(b).get("items");
                if (items.isNull()) {
                    continue;
                }
                for (int i = 0; i < items.size(); i++) {
                    someData = true;
                    assertThat(JsonComparison.differences(items.get(i).get("data").get(metric),
                            together.get("items").get(b).get("items").get(i).get("data").get(metric))).as(metric).isEmpty();
                }
            }
        }
        assertThat(someData).isTrue();
    }

    @Test
    void cachesByNormalizedRequestAndRecomputesOnNoCache() throws Exception {
        String body = Ask.of("2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z", "request_count").filter("model", DATA.models.get(2)).toJson(mapper);
        String reordered = body.replace("\"metrics\"", "\"fill_time_gaps\":true,\"metrics\"");
        assertThat(post(body, "no-cache").headers().firstValue("X-Cache")).contains("MISS");
        HttpResponse<String> hit = post(reordered, null);
        assertThat(hit.headers().firstValue("X-Cache")).contains("HIT");
        assertThat(hit.body()).isEqualTo(post(body, "no-cache").body());
        assertThat(hit.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("application/json"));
        assertThat(post(reordered, "no-cache").headers().firstValue("X-Cache")).contains("MISS");
        assertThat(hit.headers().firstValue("CamelCaffeineKey")).as("internal headers are not echoed").isEmpty();
    }

    @Test
    void rejectsBadRequestsWithTheEnvelope() throws Exception {
        HttpResponse<String> badJson = post("{\"metrics\": [", null);
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(mapper.readTree(badJson.body()).get("type").asText()).isEqualTo("BadRequestError");
        HttpResponse<String> topk = post("{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"topk\":3}", null);
        assertThat(topk.statusCode()).isEqualTo(422);
        JsonNode envelope = mapper.readTree(topk.body());
        assertThat(envelope.get("object").asText()).isEqualTo("error");
        assertThat(envelope.get("param").get("errors").get(0).get("field").asText()).isEqualTo("topk");
        HttpResponse<String> injection = post("{\"metrics\":[\"request_count'); DROP TABLE ModelInferenceDetails; --\"],"
                + "\"from_date\":\"2024-01-01T00:00:00Z\"}", null);
        assertThat(injection.statusCode()).isEqualTo(422);
        HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("metrics=latency")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(mapper.readTree(text.body()).get("type").asText()).isEqualTo("UnsupportedMediaTypeError");
        // the tables are still there after the hostile request
        assertThat(post(Ask.of("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "request_count").toJson(mapper), "no-cache").statusCode()).isEqualTo(200);
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
