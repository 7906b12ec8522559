package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.errors.ErrorEnvelope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Hostile bodies against both endpoints of a running service (real HTTP, the embedded ClickHouse, the real Redis):
 * hand-picked nasties plus bodies generated from a seeded {@link Random} (the same bodies on every run). For each one:
 * no 5xx; the answer is SPEC section 5's envelope (analytics) or a Dapr reply (ingest) or a 200 with data; a 4xx names
 * its field; nothing of the engine or the JVM shows. Then the service still answers a normal call of each kind.
 *
 * <p>The generated text never contains the markers {@link #LEAK} looks for (SQL-ish strings are lower case, no
 * {@code Exception} or {@code java.} in any key or value), so a match can only come from the service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=hostile_bodies",
        "budmetrics.redis.ingest-enabled=false",
        "budmetrics.redis.stream=hostile-bodies-unused",
        "budmetrics.web.rate-limit.enabled=false"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileBodiesFuzzTest {

    private static final Logger log = LoggerFactory.getLogger(HostileBodiesFuzzTest.class);
    /** Other bodies: {@code mvn test -Dtest=HostileBodiesFuzzTest -Dfuzz.seed=N}. */
    static final long SEED = Long.getLong("fuzz.seed", 20_261_204L);
    static final int GENERATED_PER_ENDPOINT = 200;
    static final Pattern LEAK = Pattern.compile("DB::Exception|Code: \\d+|Exception|java\\.|at ai\\.bud|/tmp/|SELECT ");
    static final String ANALYTICS = "/observability/analytics";
    static final String INGEST = "/observability/add";

    private static final String KEY_PREFIX = "budmetrics:test:fuzz:" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");
    static final List<String> METRICS = List.of("request_count", "success_request", "failure_request", "queuing_time", "input_token",
            "output_token", "concurrent_requests", "ttft", "latency", "throughput", "cache");
    static final List<String> ANALYTICS_FIELDS = List.of("metrics", "from_date", "to_date", "frequency_unit", "frequency_interval",
            "filters", "group_by", "return_delta", "fill_time_gaps", "topk", "timezone");
    static final List<String> EVENT_FIELDS = List.of("inference_id", "project_id", "endpoint_id", "model_id", "is_success",
            "request_arrival_time", "request_forward_time", "cost", "request_ip", "response_analysis", "api_key_id", "user_id",
            "api_key_project_id", "error_code", "error_message", "error_type", "status_code");
    static final List<String> UNITS = List.of("hour", "day", "week", "month", "quarter", "year");
    static final List<String> ZONES = List.of("UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kathmandu", "America/St_Johns",
            "Australia/Lord_Howe", "Europe/London", "Pacific/Chatham", "America/Sao_Paulo");
    /** Keys that may be echoed back as a field name: odd, never a marker. */
    static final List<String> KEYS = List.of("", " ", "a.b", "a", "metrics ", "METRICS", "from-date", "filters.model", "x".repeat(300),
            "\u0000", "k\u0000k", "\uD83D\uDE00", "\u202Eevil", "<script>", "\"", "\\", "${jndi:ldap://x}", "{{7*7}}", "__proto__",
            "constructor", "'; drop table t; --", "%s%s%n", "null", "1");
    static final List<String> CONTENT_TYPES = List.of("application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
            "application/cloudevents+json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz",
            "application/json; charset=utf-16", "application/json; charset=iso-8859-1", "application/xml", "*/*", "application/json;;;",
            "application/json; charset=", "%%%", "application/json; charset=\"UTF-8\"", "application/problem+json", "text/json");

    @DynamicPropertySource
    static void dedupKeys(DynamicPropertyRegistry registry) {
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> KEY_PREFIX);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    StringRedisTemplate redis;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One request: where, what, how. */
    record Case(String path, String name, byte[] body, String contentType, boolean chunked) {
    }

    record Answer(int status, String text, JsonNode json) {
    }

    @AfterAll
    void removeDedupKeys() {
        List<String> batch = new ArrayList<>();
        try (Cursor<String> keys = redis.scan(ScanOptions.scanOptions().match(KEY_PREFIX + ":*").count(1000).build())) {
            keys.forEachRemaining(batch::add);
        }
        if (!batch.isEmpty()) {
            redis.delete(batch);
        }
    }

    @Test
    void hostileBodiesGetA4xxNamingTheFieldOrAnAnswerAndTheServiceStaysHealthy() throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("TRUNCATE TABLE ModelInferenceDetails");
        }
        Random random = new Random(SEED);
        List<Case> cases = new ArrayList<>();
        cases.addAll(handPickedAnalytics());
        cases.addAll(handPickedIngest(random));
        for (int i = 0; i < GENERATED_PER_ENDPOINT; i++) {
            cases.add(generatedAnalytics(random, i));
            cases.add(generatedIngest(random, i));
        }

        Map<String, Map<Integer, Integer>> histogram = new TreeMap<>();
        Map<String, Integer> bodies = new TreeMap<>();
        Map<String, Long> millis = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        for (Case c : cases) {
            long started = System.nanoTime();
            Answer answer = send(c);
            millis.merge(c.path(), (System.nanoTime() - started) / 1_000_000, Long::sum);
            bodies.merge(c.path(), 1, Integer::sum);
            histogram.computeIfAbsent(c.path(), k -> new TreeMap<>()).merge(answer.status(), 1, Integer::sum);
            for (String problem : problems(c, answer)) {
                violations.add(c.path() + " [" + c.name() + "] -> " + answer.status() + ": " + problem + " | answer: "
                        + abbreviate(answer.text(), 400));
            }
        }
        log.info("FUZZ TOTALS bodies={} per endpoint={} statuses={} violations={} ms per endpoint={} (seed {})", cases.size(), bodies,
                histogram, violations.size(), millis, SEED);
        violations.forEach(v -> log.warn("FUZZ VIOLATION {}", v));

        assertThat(bodies.get(ANALYTICS)).isGreaterThanOrEqualTo(150);
        assertThat(bodies.get(INGEST)).isGreaterThanOrEqualTo(150);
        assertThat(histogram.get(ANALYTICS)).as("some generated requests are valid").containsKey(200);
        assertThat(histogram.get(INGEST)).containsKey(200);
        stillServesNormalCalls();
        assertThat(violations).as("hostile bodies answered wrongly").isEmpty();
    }

    /** After the hostile bodies: a normal ingest is stored once per event, and a normal analytics call counts it. */
    private void stillServesNormalCalls() throws Exception {
        LocalDateTime arrival = LocalDateTime.now(java.time.ZoneOffset.UTC).minusMinutes(5).withNano(0);
        List<String> ids = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
        ArrayNode entries = NODES.arrayNode();
        String project = UUID.randomUUID().toString();
        for (String id : ids) {
            ObjectNode event = validEvent(new Random(id.hashCode()), arrival);
            event.put("inference_id", id);
            event.put("project_id", project);
            entries.addObject().put("entryId", id).put("contentType", "application/json").set("event", event);
        }
        ObjectNode bulk = NODES.objectNode().put("id", "normal").put("pubsubname", "pubsub").put("topic", "t").put("type", "x");
        bulk.set("entries", entries);
        Answer ingest = send(new Case(INGEST, "normal", JSON.writeValueAsBytes(bulk), "application/json", false));
        assertThat(ingest.status()).as(ingest.text()).isEqualTo(200);
        assertThat(ingest.json().get("statuses").findValuesAsText("status")).containsExactly("SUCCESS", "SUCCESS");
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT count() FROM ModelInferenceDetails WHERE project_id = toUUID(?)")) {
            query.setString(1, project);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(2);
            }
        }

        String request = "{\"metrics\":[\"request_count\"],\"from_date\":\"" + arrival.minusHours(1).format(ISO_MILLIS) + "Z\","
                + "\"to_date\":\"" + arrival.plusHours(1).format(ISO_MILLIS) + "Z\",\"frequency_unit\":\"day\",\"fill_time_gaps\":false,"
                + "\"filters\":{\"project\":\"" + project + "\"}}";
        Answer analytics = send(new Case(ANALYTICS, "normal", request.getBytes(StandardCharsets.UTF_8), "application/json", false));
        assertThat(analytics.status()).as(analytics.text()).isEqualTo(200);
        long counted = 0;
        for (JsonNode bucket : analytics.json().get("items")) {
            for (JsonNode item : bucket.path("items")) {
                counted += item.at("/data/request_count/count").asLong();
            }
        }
        assertThat(counted).isEqualTo(2);
    }

    // ---- what every answer must be

    static List<String> problems(Case c, Answer answer) {
        List<String> problems = new ArrayList<>();
        if (answer.status() >= 500) {
            problems.add("5xx");
        }
        Matcher leak = LEAK.matcher(answer.text());
        if (leak.find()) {
            problems.add("engine or Java text: '" + leak.group() + "'");
        }
        JsonNode json = answer.json();
        if (json == null || !json.isObject()) {
            problems.add("not a JSON object");
            return problems;
        }
        if (answer.status() >= 400) {
            if (!"error".equals(json.path("object").asText()) || json.path("code").asInt() != answer.status()
                    || json.path("message").asText().isBlank()) {
                problems.add("not the section 5 envelope");
            }
            JsonNode errors = json.at("/param/errors");
            if (answer.status() < 500 && (!errors.isArray() || errors.isEmpty())) {
                problems.add("names no field");
            }
            for (JsonNode error : errors) {
                if (!error.path("field").isTextual() || error.path("field").asText().isEmpty()) {
                    problems.add("an error without its field");
                }
            }
            if (errors.size() > ErrorEnvelope.MAX_ERRORS) {
                problems.add("more than " + ErrorEnvelope.MAX_ERRORS + " errors listed");
            }
        } else if (answer.status() == 200) {
            if (c.path().equals(ANALYTICS)) {
                if (!"observability_metrics".equals(json.path("object").asText()) || !json.path("items").isArray()) {
                    problems.add("a 200 without the analytics answer");
                }
            } else {
                List<String> statuses = new ArrayList<>(json.path("statuses").findValuesAsText("status"));
                if (json.path("status").isTextual()) {
                    statuses.add(json.path("status").asText());
                }
                if (statuses.isEmpty()) {
                    problems.add("a 200 without a Dapr status");
                }
                if (!statuses.stream().allMatch(s -> s.equals("SUCCESS") || s.equals("DROP"))) {
                    Map<String, Integer> counts = new TreeMap<>();
                    statuses.forEach(s -> counts.merge(s, 1, Integer::sum));
                    problems.add("statuses other than SUCCESS/DROP (RETRY makes Dapr send it forever): " + counts);
                }
            }
        } else {
            problems.add("unexpected status");
        }
        return problems;
    }

    // ---- analytics bodies

    private List<Case> handPickedAnalytics() {
        List<Case> cases = new ArrayList<>();
        String ok = "\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-03T00:00:00Z\"";
        String valid = "{" + ok + "}";
        Function<String, byte[]> utf8 = s -> s.getBytes(StandardCharsets.UTF_8);
        add(cases, ANALYTICS, "empty", new byte[0]);
        add(cases, ANALYTICS, "whitespace", utf8.apply(" \n\t "));
        add(cases, ANALYTICS, "null", utf8.apply("null"));
        add(cases, ANALYTICS, "array", utf8.apply("[" + valid + "]"));
        add(cases, ANALYTICS, "string", utf8.apply("\"" + ok.replace("\"", "\\\"") + "\""));
        for (int cut : new int[] {1, 5, 17, valid.length() / 2, valid.length() - 1}) {
            add(cases, ANALYTICS, "truncated at " + cut, utf8.apply(valid.substring(0, cut)));
        }
        add(cases, ANALYTICS, "nested 900 deep", utf8.apply("{" + ok + ",\"filters\":" + "{\"model\":".repeat(900) + "1" + "}".repeat(901)));
        add(cases, ANALYTICS, "nested 5000 deep", utf8.apply("{" + ok + ",\"filters\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
        add(cases, ANALYTICS, "nested unclosed", utf8.apply("[".repeat(30_000)));
        for (String number : List.of("1e40", "-0", "1e400", "-1e400", "123456789012345678901234567890", "NaN", "Infinity", "-Infinity",
                "0x10", "01", ".5", "+1", "1.", "2147483648", "\"NaN\"", "1e-400", "9".repeat(2000))) {
            add(cases, ANALYTICS, "topk " + abbreviate(number, 20), utf8.apply("{" + ok + ",\"group_by\":[\"model\"],\"topk\":" + number + "}"));
            add(cases, ANALYTICS, "frequency_interval " + abbreviate(number, 20), utf8.apply("{" + ok + ",\"frequency_interval\":" + number + "}"));
        }
        add(cases, ANALYTICS, "3000 unknown fields", utf8.apply(manyUnknown(ok, 3000)));
        add(cases, ANALYTICS, "invalid UTF-8 in a value", bytes("{" + ok + ",\"timezone\":\"Eur", new byte[] {(byte) 0xC3, (byte) 0x28}, "pe\"}"));
        add(cases, ANALYTICS, "invalid UTF-8 in a key", bytes("{" + ok + ",\"", new byte[] {(byte) 0xFF, (byte) 0xFE}, "\":1}"));
        add(cases, ANALYTICS, "overlong UTF-8 encoding", bytes("{" + ok + ",\"timezone\":\"", new byte[] {(byte) 0xC0, (byte) 0xAF}, "\"}"));
        add(cases, ANALYTICS, "UTF-16 with BOM", ("\uFEFF" + valid).getBytes(StandardCharsets.UTF_16BE));
        add(cases, ANALYTICS, "UTF-16LE without BOM", valid.getBytes(StandardCharsets.UTF_16LE));
        add(cases, ANALYTICS, "UTF-32", valid.getBytes(Charset.forName("UTF-32")));
        add(cases, ANALYTICS, "raw NUL between tokens", utf8.apply("{" + ok + ",\u0000\"timezone\":\"UTC\"}"));
        add(cases, ANALYTICS, "raw NUL in a string", utf8.apply("{" + ok + ",\"timezone\":\"UT\u0000C\"}"));
        add(cases, ANALYTICS, "escaped NUL in a metric", utf8.apply("{\"metrics\":[\"request_count\\u0000\"],\"from_date\":\"2024-01-01\"}"));
        add(cases, ANALYTICS, "lone surrogate", utf8.apply("{" + ok + ",\"timezone\":\"\\uD800\"}"));
        add(cases, ANALYTICS, "overlong string", utf8.apply("{" + ok + ",\"timezone\":\"" + "z".repeat(60_000) + "\"}"));
        add(cases, ANALYTICS, "just over 64 KB", utf8.apply("{" + ok + ",\"timezone\":\"" + "z".repeat(70_000) + "\"}"));
        add(cases, ANALYTICS, "300 KB", utf8.apply("{" + ok + ",\"timezone\":\"" + "z".repeat(300_000) + "\"}"));
        cases.add(new Case(ANALYTICS, "300 KB chunked", utf8.apply("{" + ok + ",\"timezone\":\"" + "z".repeat(300_000) + "\"}"),
                "application/json", true));
        add(cases, ANALYTICS, "duplicate key", utf8.apply("{" + ok + ",\"metrics\":[\"latency\"]}"));
        add(cases, ANALYTICS, "filters as array", utf8.apply("{" + ok + ",\"filters\":[{\"model\":\"" + UUID.randomUUID() + "\"}]}"));
        add(cases, ANALYTICS, "group_by as object", utf8.apply("{" + ok + ",\"group_by\":{\"model\":true}}"));
        add(cases, ANALYTICS, "1001 filter ids", utf8.apply("{" + ok + ",\"filters\":{\"model\":" + uuids(1001) + "}}"));
        add(cases, ANALYTICS, "1000 filter ids", utf8.apply("{" + ok + ",\"filters\":{\"model\":" + uuids(1000) + "}}"));
        add(cases, ANALYTICS, "future from_date", utf8.apply("{\"metrics\":[\"latency\"],\"from_date\":\"2100-01-01T00:00:00Z\"}"));
        add(cases, ANALYTICS, "last instant", utf8.apply("{\"metrics\":[\"latency\",\"request_count\"],\"from_date\":\"2105-12-31T23:59:59.999Z\","
                + "\"to_date\":\"2105-12-31T23:59:59.999Z\",\"frequency_unit\":\"year\",\"timezone\":\"Pacific/Kiritimati\"}"));
        add(cases, ANALYTICS, "1971 by year, west", utf8.apply("{\"metrics\":[\"request_count\"],\"from_date\":\"1971-01-01T00:00:00Z\","
                + "\"to_date\":\"1971-01-02T00:00:00Z\",\"frequency_unit\":\"year\",\"timezone\":\"Etc/GMT+12\"}"));
        add(cases, ANALYTICS, "1971 by week, east", utf8.apply("{\"metrics\":[\"request_count\"],\"from_date\":\"1971-01-01T00:00:00Z\","
                + "\"to_date\":\"1971-03-01T00:00:00Z\",\"frequency_unit\":\"week\",\"timezone\":\"Pacific/Kiritimati\"}"));
        add(cases, ANALYTICS, "first instant east", utf8.apply("{\"metrics\":[\"request_count\"],\"from_date\":\"1970-01-01T00:00:00Z\","
                + "\"to_date\":\"1970-03-01T00:00:00Z\",\"frequency_unit\":\"week\",\"timezone\":\"Pacific/Kiritimati\"}"));
        add(cases, ANALYTICS, "first instant west", utf8.apply("{\"metrics\":[\"request_count\"],\"from_date\":\"1970-01-01T00:00:00Z\","
                + "\"to_date\":\"1970-01-02T00:00:00Z\",\"frequency_unit\":\"year\",\"timezone\":\"Etc/GMT+12\"}"));
        add(cases, ANALYTICS, "huge month interval", utf8.apply("{\"metrics\":[\"request_count\"],\"from_date\":\"1970-01-01T00:00:00Z\","
                + "\"to_date\":\"2105-12-01T00:00:00Z\",\"frequency_unit\":\"month\",\"frequency_interval\":100000}"));
        add(cases, ANALYTICS, "huge year interval", utf8.apply("{\"metrics\":[\"request_count\",\"latency\"],\"from_date\":\"2105-01-01T00:00:00Z\","
                + "\"to_date\":\"2105-12-01T00:00:00Z\",\"frequency_unit\":\"year\",\"frequency_interval\":100000,\"return_delta\":true}"));
        add(cases, ANALYTICS, "all of time by quarter, all metrics", utf8.apply("{\"metrics\":" + JSON.valueToTree(METRICS)
                + ",\"from_date\":\"1970-01-01\",\"to_date\":\"2105-12-31T23:59:59Z\",\"frequency_unit\":\"quarter\",\"group_by\":"
                + "[\"model\",\"project\",\"endpoint\"],\"topk\":2147483647,\"timezone\":\"Asia/Kathmandu\"}"));
        add(cases, ANALYTICS, "trailing garbage", utf8.apply(valid + " garbage"));
        add(cases, ANALYTICS, "two objects", utf8.apply(valid + valid));
        add(cases, ANALYTICS, "trailing NUL", utf8.apply(valid + "\u0000"));
        add(cases, ANALYTICS, "comment", utf8.apply("/* hi */" + valid));
        add(cases, ANALYTICS, "single quotes", utf8.apply(valid.replace('"', '\'')));
        add(cases, ANALYTICS, "trailing comma", utf8.apply("{" + ok + ",}"));
        cases.add(new Case(ANALYTICS, "form post", utf8.apply("metrics=request_count&from_date=2024-01-01"),
                "application/x-www-form-urlencoded", false));
        cases.add(new Case(ANALYTICS, "form post bad escapes", utf8.apply("a=%zz&b=%E0%80&%"), "application/x-www-form-urlencoded", false));
        cases.add(new Case(ANALYTICS, "multipart", utf8.apply("--zz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + valid + "\r\n--zz--\r\n"), "multipart/form-data; boundary=zz", false));
        cases.add(new Case(ANALYTICS, "text/plain", utf8.apply(valid), "text/plain", false));
        cases.add(new Case(ANALYTICS, "utf-16 declared", valid.getBytes(StandardCharsets.UTF_16), "application/json; charset=utf-16", false));
        cases.add(new Case(ANALYTICS, "no content type", utf8.apply(valid), null, false));
        cases.add(new Case(ANALYTICS, "chunked valid", utf8.apply(valid), "application/json", true));
        return cases;
    }

    private Case generatedAnalytics(Random random, int n) {
        ObjectNode request = validAnalytics(random);
        List<String> applied = new ArrayList<>();
        Map<String, String> raw = new TreeMap<>();
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            switch (random.nextInt(7)) {
                case 0, 1 -> {
                    String field = pick(random, ANALYTICS_FIELDS);
                    applied.add("set " + field);
                    request.set(field, hostileValue(random, raw));
                }
                case 2 -> {
                    String field = pick(random, ANALYTICS_FIELDS);
                    applied.add("drop " + field);
                    request.remove(field);
                }
                case 3 -> {
                    applied.add("unknown fields");
                    for (int k = random.nextInt(30); k >= 0; k--) {
                        request.set(pick(random, KEYS) + (random.nextBoolean() ? "" : k), hostileValue(random, raw));
                    }
                }
                case 4 -> {
                    applied.add("odd filters");
                    ObjectNode filters = request.putObject("filters");
                    filters.set(random.nextBoolean() ? pick(random, List.of("model", "project", "endpoint")) : pick(random, KEYS),
                            hostileValue(random, raw));
                }
                case 5 -> {
                    applied.add("odd group_by");
                    ArrayNode groupBy = request.putArray("group_by");
                    for (int k = random.nextInt(4); k >= 0; k--) {
                        groupBy.add(random.nextBoolean() ? NODES.textNode(pick(random, List.of("model", "project", "endpoint")))
                                : hostileValue(random, raw));
                    }
                }
                default -> {
                    applied.add("odd metrics");
                    ArrayNode metrics = request.putArray("metrics");
                    for (int k = random.nextInt(4); k >= 0; k--) {
                        metrics.add(random.nextBoolean() ? NODES.textNode(pick(random, METRICS)) : hostileValue(random, raw));
                    }
                }
            }
        }
        return finish(random, ANALYTICS, "gen-" + n + " " + applied, request, raw);
    }

    private ObjectNode validAnalytics(Random random) {
        ObjectNode request = NODES.objectNode();
        ArrayNode metrics = request.putArray("metrics");
        List<String> names = new ArrayList<>(METRICS);
        java.util.Collections.shuffle(names, random);
        names.subList(0, 1 + random.nextInt(4)).forEach(metrics::add);
        String unit = pick(random, UNITS);
        LocalDateTime from = LocalDateTime.of(2020 + random.nextInt(6), 1 + random.nextInt(12), 1 + random.nextInt(28),
                random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1000) * 1_000_000);
        long hours = unit.equals("hour") ? 1 + random.nextInt(24 * 10) : 1 + random.nextInt(24 * 400);
        request.put("from_date", from.format(ISO_MILLIS) + pick(random, List.of("Z", "", "+05:30", "-11:00")));
        if (random.nextInt(4) > 0) {
            request.put("to_date", from.plusHours(hours).format(ISO_MILLIS) + "Z");
        }
        request.put("frequency_unit", unit);
        if (random.nextBoolean()) {
            request.put("frequency_interval", 1 + random.nextInt(30));
        }
        boolean grouped = random.nextBoolean();
        if (grouped) {
            ArrayNode groupBy = request.putArray("group_by");
            List<String> dimensions = new ArrayList<>(List.of("model", "project", "endpoint"));
            java.util.Collections.shuffle(dimensions, random);
            dimensions.subList(0, 1 + random.nextInt(3)).forEach(groupBy::add);
            if (random.nextBoolean()) {
                request.put("topk", 1 + random.nextInt(20));
            }
        } else if (random.nextBoolean()) {
            request.putObject("filters").put(pick(random, List.of("model", "project", "endpoint")), new UUID(random.nextLong(), random.nextLong()).toString());
        }
        if (random.nextBoolean()) {
            request.put("timezone", pick(random, ZONES));
        }
        request.put("return_delta", random.nextBoolean());
        request.put("fill_time_gaps", random.nextBoolean());
        return request;
    }

    // ---- ingest bodies

    private List<Case> handPickedIngest(Random random) {
        List<Case> cases = new ArrayList<>();
        LocalDateTime arrival = LocalDateTime.of(2025, 3, 3, 10, 0);
        Function<String, byte[]> utf8 = s -> s.getBytes(StandardCharsets.UTF_8);
        add(cases, INGEST, "empty", new byte[0]);
        add(cases, INGEST, "null", utf8.apply("null"));
        add(cases, INGEST, "array", utf8.apply("[]"));
        add(cases, INGEST, "empty object", utf8.apply("{}"));
        for (String data : List.of("null", "\"text\"", "1e40", "[]", "{}", "[{}]", "\"{\\\"entries\\\":1}\"", "{\"entries\":null}",
                "{\"entries\":{}}", "{\"entries\":[]}", "{\"entries\":[null]}", "{\"entries\":[1,\"x\",[]]}", "{\"entries\":[{\"event\":null}]}",
                "{\"entries\":[{\"entryId\":{},\"event\":\"{\"}]}", "{\"entries\":[{\"entryId\":\"a\",\"event\":\"null\"}]}",
                "{\"entries\":[{\"entryId\":\"a\",\"event\":{\"entries\":[]}}]}", "{\"specversion\":\"1.0\",\"data\":{\"data\":{}}}")) {
            add(cases, INGEST, "CloudEvent data " + abbreviate(data, 40), utf8.apply("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\","
                    + "\"type\":\"add_observability_metrics\",\"datacontenttype\":\"application/json\",\"data\":" + data + "}"));
        }
        add(cases, INGEST, "data_base64 not base64", utf8.apply("{\"specversion\":\"1.0\",\"type\":\"add_observability_metrics\",\"data_base64\":\"%%%\"}"));
        add(cases, INGEST, "data_base64 not JSON", utf8.apply("{\"specversion\":\"1.0\",\"type\":\"add_observability_metrics\",\"data_base64\":\"AAAA\"}"));
        for (String analysis : List.of("{\"a.b\":1,\"a\":{\"b\":2}}", "{\"a\":{\"b\":2},\"a.b\":1}", "{\"x\":1e40}",
                "{\"x\":10000000000000000000000000000000000000000}", "{\"x\":-1e400}", "{\"\":1}", "{\"a\":[1,\"x\",{},null]}",
                "{\"a\":{\"b\":1},\"a.b\":{\"c\":2}}", "{\"`\":1,\"'\":2,\"\\\\\":3}", "{\"a\\u0000b\":1}", "{\"k\":\"" + "v".repeat(100_000) + "\"}",
                nestedObject(300), nestedObject(1200), "[1,2]", "\"text\"", "1", manyKeys(2000), "{\"a\":{\"b\":{\"c\":1}},\"a.b.c\":2,\"a.b\":3}",
                "{\"x\":18446744073709551616}", "{\"x\":-9223372036854775809}", "{\"x\":0.1e-400}", "{\"x\":[[1],[\"a\"]]}")) {
            ObjectNode event = validEvent(random, arrival);
            Map<String, String> raw = new TreeMap<>();
            raw.put("__RAW_A__", analysis);
            event.put("response_analysis", "__RAW_A__");
            add(cases, INGEST, "response_analysis " + abbreviate(analysis, 40), utf8.apply(rawText(event.toString(), raw)));
            cases.add(new Case(INGEST, "bulk response_analysis " + abbreviate(analysis, 40), utf8.apply(rawText(bulkOf(List.of(event,
                    validEvent(random, arrival)), false).toString(), raw)), "application/json", false));
        }
        for (String time : List.of("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2299-12-31T23:59:59.999Z", "1900-01-01T00:00:00Z",
                "1969-12-31T23:59:59.999Z", "2024-02-30T00:00:00Z", "2024-12-31T23:59:60Z", "2024-01-01T00:00:00+14:00",
                "2024-01-01T00:00:00+25:00", "2024-01-01 00:00:00.123456789123", "+275760-09-13T00:00:00Z", "2106-02-07T06:28:16Z")) {
            ObjectNode event = validEvent(random, arrival);
            event.put("request_arrival_time", time);
            event.put("request_forward_time", time);
            add(cases, INGEST, "times " + time, utf8.apply(event.toString()));
        }
        for (String[] field : new String[][] {{"status_code", "70000"}, {"status_code", "-1"}, {"status_code", "1.5"},
                {"status_code", "\"200\""}, {"status_code", "1e40"}, {"cost", "1e308"}, {"cost", "1e309"}, {"cost", "-0"}, {"cost", "\"1\""},
                {"cost", "-1e-300"}, {"request_ip", "\"::ffff:999.1.1.1\""}, {"request_ip", "\"1.2.3.4/24\""}, {"request_ip", "\"fe80::1%eth0\""},
                {"request_ip", "\"" + "1".repeat(5000) + "\""}, {"is_success", "\"true\""}, {"is_success", "1"},
                {"inference_id", "\"00000000-0000-0000-0000-000000000000\""}, {"inference_id", "\"6a0e3c8e2f4b4c479c1e0d6f2a1b3c4d\""},
                {"error_message", "\"" + "e".repeat(200_000) + "\""}, {"error_message", "\"\\u0000\\uD800\""}, {"user_id", "{}"},
                {"api_key_id", "[\"a\"]"}}) {
            ObjectNode event = validEvent(random, arrival);
            Map<String, String> raw = new TreeMap<>();
            raw.put("__RAW_F__", field[1]);
            event.put(field[0], "__RAW_F__");
            add(cases, INGEST, field[0] + " " + abbreviate(field[1], 30), utf8.apply(rawText(event.toString(), raw)));
        }
        List<ObjectNode> odd = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ObjectNode event = validEvent(random, arrival.plusSeconds(i));
            Map<String, String> raw = new TreeMap<>();
            event.set(pick(random, EVENT_FIELDS), hostileValue(random, raw));
            odd.add(raw.isEmpty() ? event : (ObjectNode) readOrKeep(rawText(event.toString(), raw), event));
        }
        add(cases, INGEST, "bulk of 300 odd events", utf8.apply(bulkOf(odd, true).toString()));
        ObjectNode months = NODES.objectNode();
        List<ObjectNode> spread = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            spread.add(validEvent(random, LocalDateTime.of(2010, 1, 15, 12, 0).plusMonths(i)));
        }
        months.setAll(bulkOf(spread, false));
        add(cases, INGEST, "bulk spanning 150 months", utf8.apply(months.toString()));
        String valid = validEvent(random, arrival).toString();
        add(cases, INGEST, "invalid UTF-8", bytes(valid.substring(0, valid.length() - 1) + ",\"error_message\":\"", new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}"));
        add(cases, INGEST, "UTF-16 with BOM", ("\uFEFF" + valid).getBytes(StandardCharsets.UTF_16BE));
        add(cases, INGEST, "UTF-16LE without BOM", validEvent(random, arrival).toString().getBytes(StandardCharsets.UTF_16LE));
        add(cases, INGEST, "raw NUL", utf8.apply(valid.replace(",", ",\u0000")));
        add(cases, INGEST, "nested 5000 deep", utf8.apply("{\"entries\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
        add(cases, INGEST, "duplicate keys", utf8.apply(valid.replace("{", "{\"inference_id\":\"" + UUID.randomUUID() + "\",")));
        add(cases, INGEST, "trailing garbage", utf8.apply(validEvent(random, arrival) + " garbage"));
        add(cases, INGEST, "two objects", utf8.apply(validEvent(random, arrival).toString() + validEvent(random, arrival)));
        add(cases, INGEST, "truncated", utf8.apply(valid.substring(0, valid.length() / 2)));
        cases.add(new Case(INGEST, "form post", utf8.apply("inference_id=1&a=%zz"), "application/x-www-form-urlencoded", false));
        cases.add(new Case(INGEST, "multipart", utf8.apply("--zz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n" + valid + "\r\n--zz--\r\n"),
                "multipart/form-data; boundary=zz", false));
        cases.add(new Case(INGEST, "text/plain", utf8.apply(validEvent(random, arrival).toString()), "text/plain", false));
        cases.add(new Case(INGEST, "xml", utf8.apply("<event/>"), "application/xml", false));
        cases.add(new Case(INGEST, "chunked bulk", utf8.apply(bulkOf(List.of(validEvent(random, arrival)), true).toString()), "application/json", true));
        return cases;
    }

    private Case generatedIngest(Random random, int n) {
        LocalDateTime arrival = LocalDateTime.of(2024 + random.nextInt(2), 1 + random.nextInt(12), 1 + random.nextInt(28),
                random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1000) * 1_000_000);
        Map<String, String> raw = new TreeMap<>();
        List<String> applied = new ArrayList<>();
        List<ObjectNode> events = new ArrayList<>();
        int shape = random.nextInt(4);
        for (int k = shape < 2 ? 0 : random.nextInt(5); k >= 0; k--) {
            ObjectNode event = validEvent(random, arrival.plusSeconds(k));
            for (int m = random.nextInt(3); m > 0; m--) {
                switch (random.nextInt(4)) {
                    case 0, 1 -> {
                        String field = pick(random, EVENT_FIELDS);
                        applied.add("set " + field);
                        event.set(field, hostileValue(random, raw));
                    }
                    case 2 -> {
                        String field = pick(random, EVENT_FIELDS);
                        applied.add("drop " + field);
                        event.remove(field);
                    }
                    default -> {
                        applied.add("odd response_analysis");
                        ObjectNode analysis = event.putObject("response_analysis");
                        for (int j = random.nextInt(6); j >= 0; j--) {
                            analysis.set(pick(random, KEYS) + (random.nextBoolean() ? "" : "." + pick(random, List.of("a", "b", "a.b", ""))),
                                    hostileValue(random, raw));
                        }
                    }
                }
            }
            events.add(event);
        }
        JsonNode body = switch (shape) {
            case 0 -> events.get(0);
            case 1 -> cloudEvent(events.get(0), random);
            case 2 -> bulkOf(events, random.nextBoolean());
            default -> cloudEvent(bulkOf(events, false), random);
        };
        String kind = List.of("raw event", "CloudEvent", "bulk", "gateway CloudEvent").get(shape);
        return finish(random, INGEST, "gen-" + n + " " + kind + " " + applied, body, raw);
    }

    static ObjectNode validEvent(Random random, LocalDateTime arrival) {
        ObjectNode event = NODES.objectNode();
        event.put("inference_id", new UUID(random.nextLong(), random.nextLong()).toString());
        event.put("project_id", new UUID(random.nextLong(), random.nextLong()).toString());
        event.put("endpoint_id", new UUID(random.nextLong(), random.nextLong()).toString());
        event.put("model_id", new UUID(random.nextLong(), random.nextLong()).toString());
        event.put("is_success", random.nextBoolean());
        event.put("request_arrival_time", arrival.format(ISO_MILLIS) + "Z");
        event.put("request_forward_time", arrival.plusNanos((1 + random.nextInt(999)) * 1_000_000L).format(ISO_MILLIS) + "Z");
        event.put("cost", random.nextInt(10_000) / 1000.0);
        event.put("request_ip", "10.0." + random.nextInt(256) + "." + random.nextInt(256));
        event.putObject("response_analysis").put("sentiment", "neutral").put("score", random.nextInt(100));
        return event;
    }

    private static ObjectNode cloudEvent(JsonNode data, Random random) {
        ObjectNode event = NODES.objectNode().put("specversion", "1.0").put("id", UUID.randomUUID().toString()).put("source", "gateway")
                .put("type", random.nextInt(5) == 0 ? pick(random, List.of("com.dapr.event.sent", "other", "")) : "add_observability_metrics")
                .put("datacontenttype", "application/json");
        event.set("data", random.nextInt(6) == 0 ? NODES.textNode(data.toString()) : data);
        return event;
    }

    private static ObjectNode bulkOf(List<? extends JsonNode> events, boolean asCloudEvents) {
        ObjectNode bulk = NODES.objectNode().put("id", UUID.randomUUID().toString()).put("pubsubname", "pubsub")
                .put("topic", "budMetricsMessages").put("type", "com.dapr.event.sent.bulk");
        bulk.putObject("metadata");
        ArrayNode entries = bulk.putArray("entries");
        int n = 0;
        for (JsonNode event : events) {
            ObjectNode entry = entries.addObject().put("entryId", "e-" + n++);
            entry.set("event", asCloudEvents ? NODES.objectNode().put("specversion", "1.0").put("type", "add_observability_metrics")
                    .put("id", "c-" + n).put("source", "s").set("data", event) : event);
            entry.put("contentType", asCloudEvents ? "application/cloudevents+json" : "application/json");
            entry.putObject("metadata");
        }
        return bulk;
    }

    // ---- shared pieces: hostile values, byte-level damage, transport

    /** A hostile JSON value; a literal Jackson cannot hold (NaN, -0, 1e40 …) goes in as a placeholder for {@code raw}. */
    private static JsonNode hostileValue(Random random, Map<String, String> raw) {
        return switch (random.nextInt(28)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt());
            case 3 -> NODES.numberNode(random.nextDouble() * 1e6 - 5e5);
            case 4 -> NODES.numberNode(new BigInteger("1" + "0".repeat(40)));
            case 5 -> NODES.numberNode(Long.MIN_VALUE);
            case 6 -> placeholder(raw, pick(random, List.of("NaN", "-0", "1e40", "1e400", "-Infinity", "1E-400", "-0.0", "0e0",
                    "9".repeat(1200))));
            case 7 -> NODES.textNode("");
            case 8 -> NODES.textNode("x".repeat(1 + random.nextInt(20_000)));
            case 9 -> NODES.textNode(pick(random, List.of("NaN", "Infinity", "-0", "true", "null", "{}", "[]")));
            case 10 -> NODES.textNode(pick(random, List.of("x'); drop table ModelInferenceDetails; --", "') or 1=1 --",
                    "select * from system.tables", "{name:String}", "`; truncate ModelInference", "1; kill query where 1")));
            case 11 -> NODES.textNode(pick(random, List.of("2024-13-45T25:61:61Z", "0000-01-01", "+275760-09-13T00:00:00Z",
                    "2024-01-01T00:00:00+25:00", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2105-12-31T23:59:59.999Z",
                    "2024-01-01T00:00:00.1234567891234Z", "2024-01-01 00:00:00", "2024-W01-1", "yesterday")));
            case 12 -> NODES.textNode(new UUID(random.nextLong(), random.nextLong()).toString());
            case 13 -> NODES.textNode("00000000-0000-0000-0000-000000000000");
            case 14 -> NODES.textNode("\u0000\uD83D\uDE00\u202E" + "\uD800");
            case 15 -> NODES.arrayNode();
            case 16 -> NODES.objectNode();
            case 17 -> NODES.arrayNode().add(NODES.nullNode()).add(1).add("x");
            case 18 -> {
                ArrayNode ids = NODES.arrayNode();
                for (int i = random.nextInt(1100); i >= 0; i--) {
                    ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
                }
                yield ids;
            }
            case 19 -> NODES.objectNode().put("a.b", 1).set("a", NODES.objectNode().put("b", 2));
            case 20 -> placeholder(raw, nestedObject(50 + random.nextInt(2000)));
            case 21 -> placeholder(raw, "[".repeat(100 + random.nextInt(3000)));
            case 22 -> NODES.textNode(pick(random, METRICS) + pick(random, List.of(" ", "\u0000", "s", "\t")));
            case 23 -> NODES.textNode(pick(random, ZONES) + pick(random, List.of("", "/x", " ")));
            case 24 -> NODES.textNode(pick(random, List.of("model", "project", "endpoint", "user", "MODEL", "")));
            case 25 -> NODES.numberNode(random.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE);
            case 26 -> NODES.textNode(pick(random, UNITS).toUpperCase());
            default -> NODES.textNode("::ffff:" + random.nextInt(1000) + ".1.1.1");
        };
    }

    private static JsonNode placeholder(Map<String, String> raw, String literal) {
        String key = "__RAW_" + raw.size() + "__";
        raw.put(key, literal);
        return NODES.textNode(key);
    }

    private static String rawText(String json, Map<String, String> raw) {
        String text = json;
        for (Map.Entry<String, String> entry : raw.entrySet()) {
            text = text.replace("\"" + entry.getKey() + "\"", entry.getValue());
        }
        return text;
    }

    /** Serialises {@code body}, then sometimes damages the bytes, the content type or the transport. */
    private Case finish(Random random, String path, String name, JsonNode body, Map<String, String> raw) {
        String text = rawText(body.toString(), raw);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        String damage = "";
        switch (random.nextInt(14)) {
            case 0 -> {
                int cut = random.nextInt(Math.max(1, bytes.length));
                bytes = java.util.Arrays.copyOf(bytes, cut);
                damage = " truncated at " + cut;
            }
            case 1 -> {
                byte[] junk = {0x00, (byte) 0xFF, (byte) 0xC0, (byte) 0x80, '"', '\\', '{', ']', (byte) 0xED, (byte) 0xA0};
                int at = random.nextInt(Math.max(1, bytes.length));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(bytes, 0, at);
                for (int k = random.nextInt(3); k >= 0; k--) {
                    out.write(junk[random.nextInt(junk.length)]);
                }
                out.write(bytes, at, bytes.length - at);
                bytes = out.toByteArray();
                damage = " bytes inserted at " + at;
            }
            case 2 -> {
                String tail = pick(random, List.of(" x", "{}", "]", "\u0000", "\n\n{", ",", "//c", "/* */", " " + text));
                bytes = (text + tail).getBytes(StandardCharsets.UTF_8);
                damage = " trailing " + abbreviate(tail, 10);
            }
            case 3 -> {
                Charset charset = pick(random, List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16,
                        Charset.forName("UTF-32")));
                bytes = text.getBytes(charset);
                damage = " as " + charset;
            }
            case 4 -> {
                bytes = ("[" + text + "]").getBytes(StandardCharsets.UTF_8);
                damage = " in an array";
            }
            default -> {
                // left whole
            }
        }
        String contentType = random.nextInt(8) == 0 ? pick(random, CONTENT_TYPES)
                : path.equals(INGEST) && random.nextBoolean() ? "application/cloudevents+json" : "application/json";
        if (random.nextInt(20) == 0) {
            contentType = null;
        }
        return new Case(path, name + damage + " (" + contentType + ")", bytes, contentType, random.nextInt(10) == 0);
    }

    private Answer send(Case c) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = c.chunked()
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(c.body()))
                : HttpRequest.BodyPublishers.ofByteArray(c.body());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + c.path()))
                .timeout(Duration.ofSeconds(60)).POST(publisher);
        if (c.contentType() != null) {
            request.header("Content-Type", c.contentType());
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            // a connection closed without an answer counts as a failure (see problems)
            return new Answer(-1, "no answer: " + e.getMessage(), null);
        }
        String text = new String(response.body(), StandardCharsets.UTF_8);
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        return new Answer(response.statusCode(), text, json);
    }

    // ---- small helpers

    private static void add(List<Case> cases, String path, String name, byte[] body) {
        cases.add(new Case(path, name, body, "application/json", false));
    }

    private static byte[] bytes(String before, byte[] middle, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(middle);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String manyUnknown(String ok, int n) {
        StringBuilder body = new StringBuilder("{").append(ok);
        for (int i = 0; i < n; i++) {
            body.append(",\"unknown_").append(i).append("\":").append(i);
        }
        return body.append('}').toString();
    }

    private static String manyKeys(int n) {
        StringBuilder body = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("\"k").append(i % 7 == 0 ? "." + i : "").append(i).append("\":").append(i);
        }
        return body.append('}').toString();
    }

    private static String nestedObject(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private static String uuids(int n) {
        ArrayNode ids = NODES.arrayNode();
        for (int i = 0; i < n; i++) {
            ids.add(new UUID(i, i * 31L).toString());
        }
        return ids.toString();
    }

    private static JsonNode readOrKeep(String text, JsonNode fallback) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return fallback;
        }
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static String abbreviate(String text, int max) {
        String flat = text.replace("\n", "\\n").replace("\u0000", "\\0");
        return flat.length() <= max ? flat : flat.substring(0, max) + "…(" + text.length() + ")";
    }
}
