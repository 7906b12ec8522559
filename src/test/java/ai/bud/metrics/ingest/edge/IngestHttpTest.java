package ai.bud.metrics.ingest.edge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.Http;
import ai.bud.metrics.ingest.RedisKeys;
import ai.bud.metrics.ingest.Rows;
import ai.bud.metrics.ingest.TestEvents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * POST /observability/add end to end: real HTTP, the real embedded ClickHouse, the real Redis (dedup claims).
 * Expected rows and counts are computed here from the events the test sent.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=ingest_http_test", "budmetrics.redis.ingest-enabled=false",
        "budmetrics.redis.stream=ingest-http-test-unused"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestHttpTest {

    private static final Logger log = LoggerFactory.getLogger(IngestHttpTest.class);
    private static final DateTimeFormatter STORED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** Dedup keys of this run only: markers of an earlier run must not outlive its (cleaned) ClickHouse data. */
    @org.springframework.test.context.DynamicPropertySource
    static void dedupKeys(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> KEY_PREFIX);
    }

    private static final String KEY_PREFIX = "budmetrics:test:" + java.util.UUID.randomUUID();

    @Autowired
    org.springframework.data.redis.core.StringRedisTemplate redis;

    @org.junit.jupiter.api.AfterAll
    void removeDedupKeys() {
        RedisKeys.deleteWithPrefix(redis, KEY_PREFIX + ":");
    }

    @LocalServerPort
    int port;

    /** Health details are on the management port (the app port's /health gives the status only). */
    @org.springframework.boot.test.web.server.LocalManagementPort
    int managementPort;

    @Autowired
    DataSource dataSource;

    private Http http;
    private Rows rows;
    private final TestEvents events = new TestEvents(42);

    @BeforeAll
    void setUp() {
        http = new Http(port);
        rows = new Rows(dataSource);
        rows.execute("TRUNCATE TABLE ModelInferenceDetails");
        rows.execute("TRUNCATE TABLE IngestDeadLetter");
    }

    private static List<String> ids(List<ObjectNode> sent) {
        return sent.stream().map(e -> e.get("inference_id").asText()).toList();
    }

    private void assertStoredOnce(List<String> ids) {
        Map<String, Long> counts = rows.countsPerId(ids);
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(new HashSet<>(ids));
        assertThat(counts.values()).allMatch(n -> n == 1L);
    }

    private static List<String> statuses(JsonNode reply) {
        List<String> statuses = new ArrayList<>();
        reply.get("statuses").forEach(s -> statuses.add(s.get("status").asText()));
        return statuses;
    }

    private static JsonNode summary(JsonNode reply) {
        return reply.get("param").get("summary");
    }

    // ---- body shapes

    @Test
    void daprBulkOfRawEvents() {
        List<ObjectNode> sent = List.of(events.event(), events.event(), events.event());
        ObjectNode bulk = TestEvents.bulk(sent, false);
        Http.Reply reply = http.post(bulk);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(summary(reply.body()).get("successfully_inserted").asInt()).isEqualTo(3);
        assertThat(reply.body().get("object").asText()).isEqualTo("info");
        assertThat(reply.body().get("message").asText()).isEqualTo("Successfully inserted 3 new records. Skipped 0 duplicate records");
        List<String> entryIds = new ArrayList<>();
        bulk.get("entries").forEach(e -> entryIds.add(e.get("entryId").asText()));
        List<String> replied = new ArrayList<>();
        reply.body().get("statuses").forEach(s -> replied.add(s.get("entryId").asText()));
        assertThat(replied).isEqualTo(entryIds);
        assertThat(statuses(reply.body())).containsOnly("SUCCESS");
        assertThat(reply.body().has("status")).isFalse();
        assertStoredOnce(ids(sent));
    }

    @Test
    void daprBulkOfCloudEventsSomeAsJsonStrings() {
        List<ObjectNode> sent = List.of(events.event(), events.event());
        ObjectNode bulk = TestEvents.bulk(sent, true);
        ObjectNode entry = (ObjectNode) bulk.get("entries").get(1);
        entry.put("event", entry.get("event").toString());
        Http.Reply reply = http.post(bulk);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(statuses(reply.body())).containsExactly("SUCCESS", "SUCCESS");
        assertStoredOnce(ids(sent));
    }

    @Test
    void singleCloudEventIsAnsweredWithStatus() {
        ObjectNode event = events.event();
        Http.Reply reply = http.post(TestEvents.cloudEvent(event, "add_observability_metrics").toString().getBytes(StandardCharsets.UTF_8),
                "application/cloudevents+json");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("status").asText()).isEqualTo("SUCCESS");
        assertStoredOnce(ids(List.of(event)));

        Http.Reply again = http.post(TestEvents.cloudEvent(event, "add_observability_metrics"));
        assertThat(again.body().get("status").asText()).isEqualTo("SUCCESS");
        assertThat(summary(again.body()).get("duplicates_skipped").asInt()).isEqualTo(1);
        assertStoredOnce(ids(List.of(event)));
    }

    @Test
    void invalidSingleCloudEventIsDroppedWith200() {
        ObjectNode event = events.event();
        event.put("cost", -5);
        Http.Reply reply = http.post(TestEvents.cloudEvent(event, "add_observability_metrics"));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("status").asText()).isEqualTo("DROP");
        assertThat(rows.countsPerId(ids(List.of(event)))).isEmpty();
        assertThat(rows.query("SELECT error FROM IngestDeadLetter WHERE inference_id = ?", event.get("inference_id").asText()))
                .singleElement().satisfies(row -> assertThat((String) row.get(0)).contains("cost"));
    }

    @Test
    void gatewayCloudEventCarryingABulkOfThree() {
        List<ObjectNode> sent = List.of(events.event(), events.event(), events.event());
        Http.Reply reply = http.post(TestEvents.gatewayEvent(sent).toString().getBytes(StandardCharsets.UTF_8), "application/cloudevents+json");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("status").asText()).isEqualTo("SUCCESS");
        assertThat(summary(reply.body()).get("total_entries").asInt()).isEqualTo(3);
        assertThat(summary(reply.body()).get("successfully_inserted").asInt()).isEqualTo(3);
        assertThat(statuses(reply.body())).containsExactly("SUCCESS", "SUCCESS", "SUCCESS");
        assertStoredOnce(ids(sent));
    }

    /** One event's fields posted directly (Dapr's rawPayload delivery): Dapr's one-status answer, summary beside it. */
    @Test
    void rawFieldsAreAnsweredWithOneStatus() {
        ObjectNode event = events.event();
        Http.Reply reply = http.post(event);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("status").asText()).isEqualTo("SUCCESS");
        assertThat(summary(reply.body()).get("successfully_inserted").asInt()).isEqualTo(1);
        assertStoredOnce(ids(List.of(event)));

        Http.Reply again = http.post(event);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("status").asText()).isEqualTo("SUCCESS");
        assertThat(summary(again.body()).get("duplicates_skipped").asInt()).isEqualTo(1);
        assertStoredOnce(ids(List.of(event)));
    }

    @Test
    void aRequestWithoutContentTypeIsReadAsJson() {
        ObjectNode event = events.event();
        Http.Reply reply = http.post(TestEvents.bulk(List.of(event), false).toString().getBytes(StandardCharsets.UTF_8), null);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(statuses(reply.body())).containsExactly("SUCCESS");
        assertStoredOnce(ids(List.of(event)));
    }

    /** An invalid single delivery is dead-lettered and answered DROP with 200 (a 4xx would make Dapr redeliver it). */
    @Test
    void invalidRawFieldsAreDroppedNamingTheField() {
        ObjectNode event = events.event();
        event.put("request_ip", "not-an-ip");
        Http.Reply reply = http.post(event);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("status").asText()).isEqualTo("DROP");
        assertThat(summary(reply.body()).get("validation_failures").asInt()).isEqualTo(1);
        assertThat(reply.body().get("param").get("details").get("validation_errors").get(0).get("error").asText()).startsWith("request_ip: ");
        assertThat(rows.countsPerId(ids(List.of(event)))).isEmpty();
        assertThat(rows.query("SELECT error FROM IngestDeadLetter WHERE inference_id = ?", event.get("inference_id").asText()))
                .singleElement().satisfies(row -> assertThat((String) row.get(0)).startsWith("request_ip: "));
    }

    /** Nothing of the engine (its text, codes, columns, version, paths) or of Java reaches a reply. */
    private static void assertNoEngineText(Http.Reply reply) {
        assertThat(reply.text()).doesNotContain("DB::Exception", "Code:", "ClickHouse", "ModelInferenceDetails", "version", "/tmp",
                "INFILE", "java.", "Exception");
    }

    @Test
    void responseAnalysisTheEngineWouldRefuseIsDroppedNamingItsPathAndNothingOfTheEngine() throws Exception {
        ObjectNode collision = events.event();
        collision.set("response_analysis", TestEvents.MAPPER.readTree("{\"a.b\":1,\"a\":{\"b\":2}}"));
        ObjectNode huge = events.event();
        huge.putObject("response_analysis").put("n", new java.math.BigInteger("1" + "0".repeat(40)));
        ObjectNode good = events.event();
        Http.Reply bulk = http.post(TestEvents.bulk(List.of(collision, huge, good), false));
        assertThat(bulk.status()).isEqualTo(200);
        assertThat(statuses(bulk.body())).containsExactly("DROP", "DROP", "SUCCESS");
        JsonNode errors = bulk.body().get("param").get("details").get("validation_errors");
        assertThat(errors.get(0).get("error").asText()).startsWith("response_analysis.a.b: ");
        assertThat(errors.get(1).get("error").asText()).startsWith("response_analysis.n: ");
        assertNoEngineText(bulk);

        for (String analysis : List.of("{\"a.b\":1,\"a\":{\"b\":2}}", "{\"n\":10000000000000000000000000000000000000000}")) {
            ObjectNode raw = events.event();
            raw.set("response_analysis", TestEvents.MAPPER.readTree(analysis));
            Http.Reply single = http.post(raw);
            assertThat(single.status()).isEqualTo(200);
            assertThat(single.body().get("status").asText()).isEqualTo("DROP");
            assertThat(single.body().get("param").get("details").get("validation_errors").get(0).get("error").asText())
                    .startsWith("response_analysis.");
            assertNoEngineText(single);
            assertThat(rows.countsPerId(ids(List.of(raw)))).isEmpty();
        }
        assertThat(rows.countsPerId(ids(List.of(collision, huge)))).isEmpty();
        assertStoredOnce(ids(List.of(good)));
        assertThat(rows.query("SELECT error FROM IngestDeadLetter WHERE inference_id = ?", collision.get("inference_id").asText()))
                .singleElement().satisfies(row -> assertThat((String) row.get(0)).startsWith("response_analysis.a.b: "));
    }

    // ---- what is stored

    @Test
    void everyFieldIsStoredAsSentWithMillisecondTimes() {
        LocalDateTime arrival = LocalDateTime.of(2026, 2, 3, 4, 5, 6, 789_000_000);
        ObjectNode event = events.event(arrival);
        event.put("request_arrival_time", "2026-02-03 06:05:06.789999+02:00");
        event.put("request_forward_time", "2026-02-03T04:05:07.001Z");
        event.put("request_ip", "2001:db8::1");
        event.put("cost", 0.125);
        event.put("is_success", false);
        event.put("api_key_id", "ak").put("user_id", "u").put("api_key_project_id", "akp").put("error_code", "E42")
                .put("error_message", "boom").put("error_type", "server").put("status_code", 502).put("unknown_field", "ignored");
        Http.Reply reply = http.post(TestEvents.bulk(List.of(event), false));
        assertThat(statuses(reply.body())).containsExactly("SUCCESS");
        Map<String, Object> row = rows.single("SELECT toString(request_arrival_time) AS arrival, toString(request_forward_time) AS forward,"
                + " dateDiff('millisecond', request_arrival_time, request_forward_time) AS queue_ms, toString(request_ip) AS ip, cost,"
                + " is_success, toString(response_analysis) AS analysis, api_key_id, user_id, api_key_project_id, error_code, error_message,"
                + " error_type, status_code, toString(project_id) AS project, toString(endpoint_id) AS endpoint, toString(model_id) AS model"
                + " FROM ModelInferenceDetails WHERE inference_id = ?", event.get("inference_id").asText());
        assertThat(row.get("arrival")).isEqualTo(arrival.format(STORED));
        assertThat(row.get("forward")).isEqualTo("2026-02-03 04:05:07.001");
        assertThat(((Number) row.get("queue_ms")).longValue()).isEqualTo(1001 - 789);
        assertThat(row.get("ip")).isEqualTo("2001:db8::1");
        assertThat(((Number) row.get("cost")).doubleValue()).isEqualTo(0.125);
        assertThat(row.get("is_success")).isEqualTo(false);
        assertThat((Object) parseJson((String) row.get("analysis"))).isEqualTo(event.get("response_analysis"));
        assertThat(Arrays.asList(row.get("api_key_id"), row.get("user_id"), row.get("api_key_project_id"), row.get("error_code"),
                row.get("error_message"), row.get("error_type"))).containsExactly("ak", "u", "akp", "E42", "boom", "server");
        assertThat(((Number) row.get("status_code")).intValue()).isEqualTo(502);
        assertThat(List.of(row.get("project"), row.get("endpoint"), row.get("model"))).containsExactly(event.get("project_id").asText(),
                event.get("endpoint_id").asText(), event.get("model_id").asText());
    }

    @Test
    void ipv4IsStoredIpv4MappedAndOptionalFieldsAsNull() {
        ObjectNode event = events.event();
        event.put("request_ip", "192.168.7.9");
        event.remove("cost");
        event.remove("response_analysis");
        http.post(TestEvents.bulk(List.of(event), false));
        Map<String, Object> row = rows.single("SELECT toString(request_ip) AS ip, cost, response_analysis IS NULL AS no_analysis,"
                + " api_key_id, status_code FROM ModelInferenceDetails WHERE inference_id = ?", event.get("inference_id").asText());
        assertThat(row.get("ip")).isEqualTo("::ffff:192.168.7.9");
        assertThat(row.get("cost")).isNull();
        assertThat(row.get("api_key_id")).isNull();
        assertThat(row.get("status_code")).isNull();
    }

    private static Object parseJson(String text) {
        try {
            return TestEvents.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- mixed valid / invalid, dead letters

    @Test
    void mixedBulkReportsCountsDetailsStatusesAndDeadLetters() {
        List<ObjectNode> entries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            entries.add(events.event());
        }
        entries.add(entries.get(0).deepCopy()); // index 6: repeat of index 0
        ObjectNode badUuid = events.event();
        badUuid.put("project_id", "nope");
        ObjectNode badCost = events.event();
        badCost.put("cost", -1);
        ObjectNode badTime = events.event();
        badTime.put("request_forward_time", "2020-01-01T00:00:00Z");
        entries.add(3, badUuid);    // index 3
        entries.add(badCost);       // index 8
        entries.add(badTime);       // index 9
        ObjectNode bulk = TestEvents.bulk(entries, true);

        Http.Reply reply = http.post(bulk);
        assertThat(reply.status()).isEqualTo(200);
        JsonNode summary = summary(reply.body());
        assertThat(summary.get("total_entries").asInt()).isEqualTo(10);
        assertThat(summary.get("successfully_inserted").asInt()).isEqualTo(6);
        assertThat(summary.get("duplicates_skipped").asInt()).isEqualTo(1);
        assertThat(summary.get("validation_failures").asInt()).isEqualTo(3);
        JsonNode details = reply.body().get("param").get("details");
        assertThat(details.get("duplicate_inference_ids").get(0).asText()).isEqualTo(entries.get(0).get("inference_id").asText());
        List<Integer> indexes = new ArrayList<>();
        details.get("validation_errors").forEach(e -> indexes.add(e.get("index").asInt()));
        assertThat(indexes).containsExactly(3, 8, 9);
        assertThat(details.get("validation_errors").get(0).get("error").asText()).contains("project_id");
        assertThat(details.get("validation_errors").get(1).get("error").asText()).contains("cost");
        assertThat(details.get("validation_errors").get(2).get("error").asText()).contains("request_forward_time");
        assertThat(details.get("validation_errors").get(1).get("inference_id").asText()).isEqualTo(badCost.get("inference_id").asText());
        assertThat(statuses(reply.body())).containsExactly("SUCCESS", "SUCCESS", "SUCCESS", "DROP", "SUCCESS", "SUCCESS", "SUCCESS",
                "SUCCESS", "DROP", "DROP");
        assertThat(reply.body().get("message").asText()).startsWith("Successfully inserted 6 new records. Skipped 1 duplicate records");

        List<String> validIds = new ArrayList<>(ids(entries));
        validIds.removeAll(ids(List.of(badUuid, badCost, badTime)));
        assertStoredOnce(validIds);
        assertThat(rows.countsPerId(ids(List.of(badUuid, badCost, badTime)))).isEmpty();

        Set<String> entryIds = new LinkedHashSet<>();
        for (int index : List.of(3, 8, 9)) {
            entryIds.add(bulk.get("entries").get(index).get("entryId").asText());
        }
        List<List<Object>> dead = rows.query("SELECT entry_id, entry_index, source, inference_id, error, payload FROM IngestDeadLetter"
                + " WHERE entry_id IN (?, ?, ?) ORDER BY entry_index", entryIds.toArray());
        assertThat(dead).extracting(r -> r.get(0)).containsExactlyElementsOf(entryIds);
        assertThat(dead).extracting(r -> ((Number) r.get(1)).intValue()).containsExactly(3, 8, 9);
        assertThat(dead).extracting(r -> r.get(2)).containsOnly("http");
        assertThat((Object) parseJson((String) dead.get(1).get(5))).isEqualTo(bulk.get("entries").get(8).get("event"));
        assertThat((String) dead.get(2).get(4)).contains("request_forward_time");
    }

    @Test
    void allInvalidBulkIs200WithEveryStatusDropAndAtMostTenDetails() {
        List<ObjectNode> entries = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            ObjectNode bad = events.event();
            bad.remove("is_success");
            entries.add(bad);
        }
        Http.Reply reply = http.post(TestEvents.bulk(entries, false));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(statuses(reply.body())).hasSize(15).containsOnly("DROP");
        assertThat(summary(reply.body()).get("validation_failures").asInt()).isEqualTo(15);
        assertThat(reply.body().get("param").get("details").get("validation_errors")).hasSize(10);
        assertThat(rows.query("SELECT count() FROM IngestDeadLetter WHERE inference_id IN (" + String.join(",",
                java.util.Collections.nCopies(15, "?")) + ")", ids(entries).toArray()).get(0).get(0)).asString().isEqualTo("15");
    }

    @Test
    void undecodableEntriesAreDeadLetteredToo() {
        ObjectNode good = events.event();
        ObjectNode bulk = TestEvents.bulk(List.of(good), false);
        ((ArrayNode) bulk.get("entries")).addObject().put("entryId", "undecodable-" + good.get("inference_id").asText())
                .put("event", "{broken");
        Http.Reply reply = http.post(bulk);
        assertThat(statuses(reply.body())).containsExactly("SUCCESS", "DROP");
        assertThat(rows.query("SELECT payload FROM IngestDeadLetter WHERE entry_id = ?", "undecodable-" + good.get("inference_id").asText()))
                .singleElement().satisfies(r -> assertThat(r.get(0)).isEqualTo("{broken"));
    }

    @Test
    void aBulkSpanning150MonthsIsStored() {
        List<ObjectNode> sent = new ArrayList<>();
        for (int month = 0; month < 150; month++) {
            sent.add(events.event(LocalDateTime.of(2013, 1, 1, 6, 30).plusMonths(month)));
        }
        Http.Reply reply = http.post(TestEvents.bulk(sent, true));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(statuses(reply.body())).hasSize(150).containsOnly("SUCCESS");
        assertThat(summary(reply.body()).get("successfully_inserted").asInt()).isEqualTo(150);
        assertStoredOnce(ids(sent));
    }

    // ---- duplicates

    @Test
    void duplicatesAcrossRequestsAndInsideOneRequest() {
        List<ObjectNode> first = List.of(events.event(), events.event(), events.event(), events.event());
        Http.Reply one = http.post(TestEvents.bulk(first, false));
        assertThat(summary(one.body()).get("successfully_inserted").asInt()).isEqualTo(4);

        // the same 4 again, plus 2 new ones, one of them three times
        ObjectNode fresh = events.event();
        ObjectNode other = events.event();
        List<ObjectNode> second = new ArrayList<>(first);
        second.addAll(List.of(fresh, fresh.deepCopy(), other, fresh.deepCopy()));
        Http.Reply two = http.post(TestEvents.bulk(second, true));
        JsonNode summary = summary(two.body());
        assertThat(summary.get("successfully_inserted").asInt()).isEqualTo(2);
        assertThat(summary.get("duplicates_skipped").asInt()).isEqualTo(4 + 2);
        assertThat(statuses(two.body())).containsOnly("SUCCESS");
        List<String> all = new ArrayList<>(ids(first));
        all.addAll(ids(List.of(fresh, other)));
        assertStoredOnce(all);
    }

    @Test
    void eightThreadsPostingOverlappingBatchesStoreEachIdOnce() throws Exception {
        List<ObjectNode> pool = IntStream.range(0, 600).mapToObj(i -> events.event()).toList();
        int threads = 8;
        // each thread's batches: overlapping windows of the pool, some ids twice in one batch
        Random random = new Random(8);
        List<List<List<ObjectNode>>> plans = new ArrayList<>();
        Set<String> postedIds = new HashSet<>();
        long entries = 0;
        for (int t = 0; t < threads; t++) {
            List<List<ObjectNode>> plan = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                int start = random.nextInt(pool.size() - 150);
                List<ObjectNode> batch = new ArrayList<>(pool.subList(start, start + 150));
                for (int k = 0; k < 10; k++) {
                    batch.add(batch.get(random.nextInt(batch.size())));
                }
                batch.forEach(e -> postedIds.add(e.get("inference_id").asText()));
                entries += batch.size();
                plan.add(batch);
            }
            plans.add(plan);
        }
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        AtomicLong inserted = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicLong settled = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        for (List<List<ObjectNode>> plan : plans) {
            futures.add(executor.submit(() -> {
                boolean cloudEvents = false;
                for (List<ObjectNode> planned : plan) {
                    List<ObjectNode> batch = planned;
                    while (!batch.isEmpty()) {
                        cloudEvents = !cloudEvents;
                        Http.Reply reply = http.post(TestEvents.bulk(batch, cloudEvents));
                        assertThat(reply.status()).isEqualTo(200);
                        List<String> statuses = statuses(reply.body());
                        inserted.addAndGet(summary(reply.body()).get("successfully_inserted").asLong());
                        duplicates.addAndGet(summary(reply.body()).get("duplicates_skipped").asLong());
                        List<ObjectNode> retry = new ArrayList<>();
                        for (int i = 0; i < statuses.size(); i++) {
                            assertThat(statuses.get(i)).isIn("SUCCESS", "RETRY");
                            if (statuses.get(i).equals("RETRY")) {
                                retry.add(batch.get(i));
                            }
                        }
                        settled.addAndGet(batch.size() - retry.size());
                        retried.addAndGet(retry.size());
                        batch = retry;
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        executor.shutdown();
        Map<String, Long> counts = rows.countsPerId(ids(pool));
        assertThat(counts.keySet()).isEqualTo(postedIds);
        assertThat(counts.values()).allMatch(n -> n == 1L);
        assertThat(inserted.get()).isEqualTo(postedIds.size());
        assertThat(settled.get()).isEqualTo(entries);
        log.info("concurrent ingest: {} entries, {} distinct ids, {} inserted, {} duplicates, {} answered RETRY and re-posted", entries,
                postedIds.size(), inserted.get(), duplicates.get(), retried.get());
    }

    // ---- storage down

    /**
     * The ingest route's doCatch around the dead letter: while IngestDeadLetter cannot be written, an invalid entry is
     * answered RETRY (never DROP without its row) and its valid neighbour is stored; once the table is back, the
     * redelivery is dead-lettered (one row) and answered DROP.
     */
    @Test
    void aDeadLetterThatCannotBeWrittenIsAnsweredRetryAndDropOnceItIs() {
        ObjectNode valid = events.event();
        ObjectNode invalid = events.event();
        invalid.put("cost", -1);
        ObjectNode bulk = TestEvents.bulk(List.of(valid, invalid), false);
        rows.execute("RENAME TABLE IngestDeadLetter TO IngestDeadLetter_away");
        try {
            Http.Reply reply = http.post(bulk);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(statuses(reply.body())).containsExactly("SUCCESS", "RETRY");
            assertThat(summary(reply.body()).get("retry_later").asInt()).isEqualTo(1);
            assertNoEngineText(reply);
        } finally {
            rows.execute("RENAME TABLE IngestDeadLetter_away TO IngestDeadLetter");
        }
        assertThat(rows.query("SELECT count() FROM IngestDeadLetter WHERE inference_id = ?", invalid.get("inference_id").asText()).get(0)
                .get(0)).asString().isEqualTo("0");
        Http.Reply again = http.post(bulk);
        assertThat(statuses(again.body())).containsExactly("SUCCESS", "DROP");
        assertThat(rows.query("SELECT error FROM IngestDeadLetter WHERE inference_id = ?", invalid.get("inference_id").asText()))
                .singleElement().satisfies(row -> assertThat((String) row.get(0)).startsWith("cost:"));
        assertStoredOnce(ids(List.of(valid)));
    }

    @Test
    void storageDownAnswersRetryNeverAFalseSuccess() {
        ObjectNode raw = events.event();
        List<ObjectNode> bulk = List.of(events.event(), events.event());
        ObjectNode single = events.event();
        rows.execute("RENAME TABLE ModelInferenceDetails TO ModelInferenceDetails_away");
        try {
            Http.Reply plain = http.post(raw);
            assertThat(plain.status()).isEqualTo(200);
            assertThat(plain.body().get("status").asText()).isEqualTo("RETRY");
            assertThat(summary(plain.body()).get("retry_later").asInt()).isEqualTo(1);
            assertNoEngineText(plain);
            Http.Reply dapr = http.post(TestEvents.bulk(bulk, true));
            assertThat(dapr.status()).isEqualTo(200);
            assertThat(statuses(dapr.body())).containsExactly("RETRY", "RETRY");
            assertThat(summary(dapr.body()).get("successfully_inserted").asInt()).isZero();
            Http.Reply ce = http.post(TestEvents.cloudEvent(single, "add_observability_metrics"));
            assertThat(ce.body().get("status").asText()).isEqualTo("RETRY");
        } finally {
            rows.execute("RENAME TABLE ModelInferenceDetails_away TO ModelInferenceDetails");
        }
        assertThat(http.post(raw).body().get("status").asText()).isEqualTo("SUCCESS");
        assertThat(statuses(http.post(TestEvents.bulk(bulk, true)).body())).containsExactly("SUCCESS", "SUCCESS");
        assertThat(http.post(TestEvents.cloudEvent(single, "add_observability_metrics")).body().get("status").asText()).isEqualTo("SUCCESS");
        List<ObjectNode> all = new ArrayList<>(bulk);
        all.add(raw);
        all.add(single);
        assertStoredOnce(ids(all));
    }

    // ---- requests that cannot be read

    @Test
    void notJsonIs400NamingTheBody() {
        Http.Reply reply = http.post("{\"entries\": [".getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().get("type").asText()).isEqualTo("BadRequestError");
        assertThat(reply.body().get("param").get("errors").get(0).get("field").asText()).isEqualTo("body");
    }

    @Test
    void emptyBodyIs400() {
        Http.Reply reply = http.post(new byte[0], "application/json");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().get("param").get("errors").get(0).get("field").asText()).isEqualTo("body");
    }

    @Test
    void wrongContentTypeIs415() {
        byte[] body = TestEvents.bulk(List.of(events.event()), false).toString().getBytes(StandardCharsets.UTF_8);
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/xml")) {
            Http.Reply reply = http.post(body, type);
            assertThat(reply.status()).as(type).isEqualTo(415);
            assertThat(reply.body().get("param").get("errors").get(0).get("field").asText()).isEqualTo("Content-Type");
        }
    }

    @Test
    void entriesNotAListOrEmptyIs400NamingEntries() {
        for (String body : List.of("{\"entries\": {\"entryId\": \"1\"}}", "{\"entries\": \"x\"}", "{\"entries\": []}")) {
            Http.Reply reply = http.post(body.getBytes(StandardCharsets.UTF_8), "application/json");
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.body().get("param").get("errors").get(0).get("field").asText()).isEqualTo("entries");
        }
        Http.Reply gateway = http.post(TestEvents.cloudEvent(Map.of("entries", 5), "add_observability_metrics"));
        assertThat(gateway.status()).isEqualTo(400);
        assertThat(gateway.body().get("param").get("errors").get(0).get("field").asText()).isEqualTo("data.entries");
    }

    /** The body is read as bytes (UTF-8 JSON): text beyond ASCII is stored as sent, with or without a charset. */
    @Test
    void textBeyondAsciiIsStoredAsSent() {
        String text = "Grüße, naïve café — 日本語 ✓ 🚀";
        for (String contentType : List.of("application/json", "application/json; charset=utf-8")) {
            ObjectNode event = events.event();
            ((ObjectNode) event.get("response_analysis")).put("sentiment", text);
            Http.Reply reply = http.post(TestEvents.bulk(List.of(event), true).toString().getBytes(StandardCharsets.UTF_8), contentType);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(statuses(reply.body())).containsExactly("SUCCESS");
            String stored = String.valueOf(rows.single("SELECT response_analysis FROM ModelInferenceDetails WHERE inference_id = ?",
                    event.get("inference_id").asText()).get("response_analysis"));
            assertThat(stored).contains(text);
        }
    }

    @Test
    void bodyOverTenMegabytesIs413() {
        StringBuilder big = new StringBuilder("{\"entries\": [");
        ObjectNode event = events.event();
        event.put("error_message", "x".repeat(10_000));
        String entry = "{\"entryId\": \"e\", \"event\": " + event + "}";
        while (big.length() <= 10 * 1024 * 1024) {
            big.append(entry).append(',');
        }
        big.append(entry).append("]}");
        byte[] body = big.toString().getBytes(StandardCharsets.UTF_8);
        for (Http.Reply reply : List.of(http.post(body, "application/json"), http.postChunked(body, "application/json"))) {
            assertThat(reply.status()).isEqualTo(413);
            assertThat(reply.body().get("param").get("errors").get(0).get("field").asText()).isEqualTo("body");
        }
        assertThat(rows.countsPerId(ids(List.of(event)))).isEmpty();
    }

    @Test
    void theCurlExampleOfTheApiReferenceIsAccepted() throws Exception {
        String reference = java.nio.file.Files.readString(java.nio.file.Path.of("docs/API_REFERENCE.md"));
        java.util.regex.Matcher example = java.util.regex.Pattern.compile("curl -s localhost:8000/observability/add -H 'Content-Type: application/json' -d '(.+?)'",
                java.util.regex.Pattern.DOTALL).matcher(reference);
        assertThat(example.find()).isTrue();
        String id = TestEvents.MAPPER.readTree(example.group(1)).at("/entries/0/event/inference_id").asText();
        Http.Reply reply = http.post(example.group(1).getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(statuses(reply.body())).containsExactly("SUCCESS");
        assertThat(rows.countsPerId(List.of(id))).containsEntry(id, 1L);
    }

    @Test
    void healthReportsRedisAndTheStreamConsumer() throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + managementPort + "/health")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode components = TestEvents.MAPPER.readTree(response.body()).get("components");
        assertThat(components.get("redis").get("status").asText()).isEqualTo("UP");
        assertThat(components.get("redisIngest").get("details").get("enabled").asBoolean()).isFalse();
        assertThat(components.get("redisIngest").get("details").get("stream").asText()).isEqualTo("ingest-http-test-unused");
    }

    // ---- measured, not asserted

    @Test
    void measureBulkIngestRate() {
        int batches = 20;
        List<List<ObjectNode>> prepared = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            prepared.add(IntStream.range(0, 1000).mapToObj(i -> events.event()).toList());
        }
        List<byte[]> bodies = prepared.stream().map(batch -> TestEvents.bulk(batch, true).toString().getBytes(StandardCharsets.UTF_8)).toList();
        http.post(bodies.get(0), "application/json"); // warm-up
        long started = System.nanoTime();
        long stored = 0;
        Map<String, Integer> statusCounts = new HashMap<>();
        for (int b = 1; b < batches; b++) {
            Http.Reply reply = http.post(bodies.get(b), "application/json");
            stored += summary(reply.body()).get("successfully_inserted").asLong();
            statuses(reply.body()).forEach(s -> statusCounts.merge(s, 1, Integer::sum));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("INGEST RATE http bulk of 1000: {} events in {} s = {} events/s ({})", stored, String.format("%.2f", seconds),
                Math.round(stored / seconds), statusCounts);
        assertThat(stored).isEqualTo(1000L * (batches - 1));
    }
}
