package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.sql.DataSource;
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
 * The CSV and NDJSON export of POST /observability/analytics, and GET /observability/ids, over HTTP on the embedded
 * engine. Each export is read back by the test's own parser ({@link AnswerTable}) and compared cell by cell with the
 * JSON answer of the same request; one case also with the {@link Oracle}. The ids are compared with the ids of the
 * generated events in the range.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "budmetrics.clickhouse.database=export_it")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsExportTest {

    static final GeneratedEvents DATA = new GeneratedEvents(20261204L, 1500, Instant.parse("2024-01-01T00:00:00Z"),
            Instant.parse("2024-03-01T00:00:00Z"));
    static final String[] ALL = AnswerTable.FIELDS.keySet().stream().sorted().toArray(String[]::new);

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void load() throws Exception {
        DATA.replaceAll(dataSource);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("all metrics, days", Ask.of("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z", ALL)),
                Arguments.of("group by project, endpoint", Ask.of("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "request_count", "latency", "cache")
                        .groupBy("project", "endpoint")),
                Arguments.of("filtered, no deltas, hours with gaps", Ask.of("2024-01-02T00:00:00Z", "2024-01-04T00:00:00Z", "request_count", "ttft")
                        .filter("endpoint", DATA.endpoints.get(1)).unit("hour").delta(false)),
                Arguments.of("topk 2 by model, weeks, Kolkata", Ask.of("2024-01-01T00:00:00Z", "2024-02-20T00:00:00Z", "latency", "request_count")
                        .groupBy("model").topk(2).unit("week").timezone("Asia/Kolkata")),
                Arguments.of("aligned 3 days, not filled", Ask.of("2024-01-05T06:00:00Z", "2024-02-05T00:00:00Z", "throughput", "queuing_time", "concurrent_requests")
                        .every(3, "day").fill(false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void csvAndNdjsonHoldTheJsonAnswerCellForCell(String name, Ask ask) throws Exception {
        String body = ask.toJson(mapper);
        JsonNode json = mapper.readTree(send(body, "", Map.of("Cache-Control", "no-cache")).body());
        List<Map<String, JsonNode>> expected = AnswerTable.rows(json, ask);
        assertThat(expected).as("the case has series rows").anyMatch(row -> row.size() > 1);

        Response csv = send(body, "", Map.of("Accept", "text/csv", "Cache-Control", "no-cache"));
        assertThat(csv.status()).as(csv.body()).isEqualTo(200);
        assertThat(csv.header("Content-Type")).isEqualToIgnoringWhitespace("text/csv;charset=utf-8");
        assertThat(csv.header("Content-Disposition")).startsWith("attachment; filename=\"analytics_").endsWith(".csv\"");
        assertSameTable(AnswerTable.parseCsv(csv.body()), AnswerTable.columns(ask), expected);

        Response ndjson = send(body, "?format=ndjson", Map.of("Cache-Control", "no-cache"));
        assertThat(ndjson.status()).isEqualTo(200);
        assertThat(ndjson.header("Content-Type")).isEqualTo("application/x-ndjson");
        assertThat(ndjson.header("Content-Disposition")).endsWith(".ndjson\"");
        String[] lines = ndjson.body().split("\n", -1);
        assertThat(lines[lines.length - 1]).as("every line ends with a newline").isEmpty();
        assertThat(lines).hasSize(expected.size() + 1);
        for (int r = 0; r < expected.size(); r++) {
            JsonNode line = mapper.readTree(lines[r]);
            List<String> keys = new ArrayList<>();
            line.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).isEqualTo(AnswerTable.columns(ask));
            for (String column : keys) {
                JsonNode want = expected.get(r).get(column);
                JsonNode got = line.get(column);
                assertThat(want == null || want.isNull() ? got.isNull() : got.isNumber() ? got.asDouble() == want.asDouble()
                        && got.isIntegralNumber() == want.isIntegralNumber() : got.equals(want))
                        .as("%s line %d column %s: %s vs %s", name, r, column, got, want).isTrue();
            }
        }
    }

    @Test
    void theCsvEqualsTheOracle() throws Exception {
        Ask ask = Ask.of("2024-01-10T00:00:00Z", "2024-01-25T00:00:00Z", "request_count", "success_request", "latency", "cache", "input_token")
                .groupBy("model");
        // exact percentiles: the oracle's are linear-interpolated, the rollup's sketch is within 1 % of an order statistic
        Response csv = send(ask.toJson(mapper).replaceFirst("\\{", "{\"exact_percentiles\":true,"), "?format=csv", Map.of());
        assertThat(csv.status()).isEqualTo(200);
        List<String> columns = AnswerTable.columns(ask);
        List<List<String>> records = AnswerTable.parseCsv(csv.body());
        List<Map<String, JsonNode>> expected = AnswerTable.rows(new Oracle(DATA.events).expected(ask), ask);
        assertThat(records.get(0)).isEqualTo(columns);
        assertThat(records).hasSize(expected.size() + 1);
        assertThat(expected).anyMatch(row -> row.size() > 1);
        for (int r = 0; r < expected.size(); r++) {
            ObjectNode want = mapper.createObjectNode();
            ObjectNode got = mapper.createObjectNode();
            for (int c = 0; c < columns.size(); c++) {
                JsonNode value = expected.get(r).get(columns.get(c));
                want.set(columns.get(c), value == null ? NullNode.instance : value);
                got.set(columns.get(c), AnswerTable.cellValue(records.get(r + 1).get(c)));
            }
            assertThat(JsonComparison.differences(want, got)).as("row %d", r).isEmpty();
        }
    }

    private static void assertSameTable(List<List<String>> records, List<String> columns, List<Map<String, JsonNode>> expected) {
        assertThat(records.get(0)).isEqualTo(columns);
        assertThat(records).hasSize(expected.size() + 1);
        for (int r = 0; r < expected.size(); r++) {
            List<String> record = records.get(r + 1);
            assertThat(record).hasSameSizeAs(columns);
            for (int c = 0; c < columns.size(); c++) {
                JsonNode want = expected.get(r).get(columns.get(c));
                assertThat(AnswerTable.sameCell(record.get(c), want))
                        .as("row %d column %s: '%s' vs %s", r, columns.get(c), record.get(c), want).isTrue();
            }
        }
    }

    @Test
    void anExportIsCachedUnderItsOwnKeyAndCompressedLikeJson() throws Exception {
        String body = Ask.of("2024-02-01T00:00:00Z", "2024-02-20T00:00:00Z", "request_count", "latency").groupBy("endpoint").toJson(mapper);
        assertThat(send(body, "", Map.of()).header("X-Cache")).isEqualTo("MISS");
        Response first = send(body, "", Map.of("Accept", "text/csv"));
        assertThat(first.header("X-Cache")).as("not the JSON answer's entry").isEqualTo("MISS");
        Response second = send(body, "", Map.of("Accept", "text/csv"));
        assertThat(second.header("X-Cache")).isEqualTo("HIT");
        assertThat(second.body()).isEqualTo(first.body());
        Response json = send(body, "", Map.of());
        assertThat(json.header("X-Cache")).isEqualTo("HIT");
        assertThat(json.body()).startsWith("{\"object\":\"observability_metrics\"");
        assertThat(send(body, "?format=ndjson", Map.of()).header("X-Cache")).isEqualTo("MISS");

        HttpResponse<byte[]> gzip = http.send(request(body, "?format=csv", Map.of("Accept-Encoding", "gzip")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(first.body().length()).isGreaterThan(1024);
        assertThat(gzip.headers().firstValue("Content-Encoding")).contains("gzip");
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(first.body());
        }
    }

    @Test
    void negotiatesByFormatThenAcceptAndRefusesWhatItCannotGive() throws Exception {
        String body = Ask.of("2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z", "request_count").toJson(mapper);
        assertThat(send(body, "", Map.of("Accept", "text/csv;q=0.5, application/json")).header("Content-Type")).startsWith("application/json");
        assertThat(send(body, "", Map.of("Accept", "application/json;q=0.2, text/*;q=0.9")).header("Content-Type")).startsWith("text/csv");
        assertThat(send(body, "", Map.of("Accept", "*/*")).header("Content-Type")).startsWith("application/json");
        assertThat(send(body, "?format=csv", Map.of("Accept", "application/json")).header("Content-Type")).startsWith("text/csv");
        assertThat(send(body, "?format=NDJSON", Map.of()).header("Content-Type")).isEqualTo("application/x-ndjson");

        expectError(send(body, "", Map.of("Accept", "application/xml")), 406, "NotAcceptableError", "Accept");
        expectError(send(body, "", Map.of("Accept", "text/csv;q=0, application/json;q=0")), 406, "NotAcceptableError", "Accept");
        expectError(send(body, "?format=xlsx", Map.of()), 422, "UnprocessableEntityError", "format");
        // body errors come first: an export of a bad request is the same 422 as its JSON
        expectError(send("{\"metrics\":[\"nope\"],\"from_date\":\"2024-01-01\"}", "?format=csv", Map.of()), 422,
                "UnprocessableEntityError", "metrics[0]");
    }

    @Test
    void idsAreThoseOfTheRowsInTheRange() throws Exception {
        Instant from = Instant.parse("2024-01-10T00:00:00Z");
        Instant to = Instant.parse("2024-01-10T06:00:00Z");
        JsonNode ids = mapper.readTree(get("/observability/ids?from_date=2024-01-10T00:00:00Z&to_date="
                + URLEncoder.encode("2024-01-10T08:00:00+02:00", StandardCharsets.UTF_8)).body());
        List<GeneratedEvents.Event> inRange = DATA.events.stream()
                .filter(e -> e.arrivalMs() >= from.toEpochMilli() && e.arrivalMs() <= to.toEpochMilli()).toList();
        assertThat(inRange).isNotEmpty();
        assertThat(ids.get("object").asText()).isEqualTo("observability_ids");
        assertThat(ids.get("to_date").asText()).isEqualTo("2024-01-10T06:00:00Z");
        assertThat(texts(ids.get("project_ids"))).containsExactlyElementsOf(sorted(inRange, GeneratedEvents.Event::projectId));
        assertThat(texts(ids.get("model_ids"))).containsExactlyElementsOf(sorted(inRange, GeneratedEvents.Event::modelId));
        assertThat(texts(ids.get("endpoint_ids"))).containsExactlyElementsOf(sorted(inRange, GeneratedEvents.Event::endpointId));
        assertThat(sorted(inRange, GeneratedEvents.Event::endpointId)).as("a range with some but not all endpoints")
                .hasSizeLessThan(DATA.endpoints.size());
        assertThat(ids.get("truncated").asBoolean()).isFalse();

        JsonNode empty = mapper.readTree(get("/observability/ids?from_date=2020-01-01&to_date=2020-02-01").body());
        assertThat(empty.get("model_ids")).isEmpty();
        assertThat(empty.get("project_ids")).isEmpty();

        expectError(get("/observability/ids"), 422, "UnprocessableEntityError", "from_date");
        expectError(get("/observability/ids?from_date=yesterday"), 422, "UnprocessableEntityError", "from_date");
        expectError(get("/observability/ids?from_date=2024-02-01&to_date=2024-01-01"), 422, "UnprocessableEntityError", "to_date");
        expectError(get("/observability/ids?from_date=2024-02-01&model=x"), 422, "UnprocessableEntityError", "model");
        expectError(get("/observability/ids?from_date=2024-02-01%27%20OR%201=1"), 422, "UnprocessableEntityError", "from_date");
    }

    private static List<String> sorted(List<GeneratedEvents.Event> events, Function<GeneratedEvents.Event, UUID> id) {
        Set<String> ids = new TreeSet<>();
        events.forEach(e -> ids.add(id.apply(e).toString()));
        return List.copyOf(ids);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
            texts.add(it.next().asText());
        }
        return texts;
    }

    private void expectError(Response response, int status, String type, String field) throws IOException {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode envelope = mapper.readTree(response.body());
        assertThat(envelope.get("type").asText()).isEqualTo(type);
        assertThat(envelope.at("/param/errors/0/field").asText()).isEqualTo(field);
    }

    record Response(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }
    }

    private HttpRequest.Builder request(String body, String query, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics" + query))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return request;
    }

    private Response send(String body, String query, Map<String, String> headers) throws Exception {
        HttpResponse<String> response = http.send(request(body, query, headers).build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.headers().map(), response.body());
    }

    private Response get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.headers().map(), response.body());
    }
}
