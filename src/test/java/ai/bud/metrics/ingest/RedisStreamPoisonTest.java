package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.PendingMessage;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Poison entries on the real Redis and the real embedded ClickHouse: entries that fail on every delivery must not
 * hold the entries behind them, and end up in IngestDeadLetter with their last error, acknowledged.
 *
 * <p>Two kinds of poison are woven into the YAML routes (the events carry a marker in {@code error_message}): one
 * whose storage never takes it (the store step skips it, so the flow answers RETRY for that entry alone), and one
 * that makes the whole {@code ingest-redis-batch} route throw, failing every entry read with it. One consumer
 * thread, so a consumer stuck on its poison cannot be covered by the other.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "budmetrics.clickhouse.database=ingest_redis_poison_test", "budmetrics.redis.ingest-enabled=false",
        "budmetrics.redis.consumer-name=poison-consumer", "budmetrics.redis.consumers=1", "budmetrics.redis.batch-size=200",
        "budmetrics.redis.block=100ms", "budmetrics.redis.claim-idle=30s", "budmetrics.redis.claim-interval=1s",
        "budmetrics.redis.retry-backoff=100ms", "budmetrics.redis.max-retry-backoff=400ms", "budmetrics.redis.max-deliveries=3"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStreamPoisonTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String STREAM = "ingest-redis-poison-" + RUN;
    private static final String GROUP = "ingest-redis-poison-group-" + RUN;
    private static final String NEVER_STORED = "poison-never-stored-" + RUN;
    private static final String THROWS = "poison-throws-" + RUN;
    private static final int MAX_DELIVERIES = 3;
    private static final String ROUTE = "ingest-redis-batch";

    @DynamicPropertySource
    static void streamNames(DynamicPropertyRegistry registry) {
        registry.add("budmetrics.redis.stream", () -> STREAM);
        registry.add("budmetrics.redis.consumer-group", () -> GROUP);
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> "budmetrics:test:" + RUN);
    }

    @Autowired
    CamelContext context;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry meters;

    private Rows rows;
    private final TestEvents events = new TestEvents(7);

    @BeforeAll
    void weavePoisonAndStart() throws Exception {
        rows = new Rows(dataSource);
        AdviceWith.adviceWith(context, "ingest", route -> route.weaveById("store-events").before().process(exchange -> {
            IngestBatch batch = exchange.getMessage().getBody(IngestBatch.class);
            for (int i = 0; i < batch.size(); i++) {
                if (batch.event(i) != null && marked(batch.entry(i), NEVER_STORED)) {
                    batch.accept(i, null); // not stored, not rejected: the flow answers RETRY for it
                }
            }
        }));
        AdviceWith.adviceWith(context, ROUTE, route -> route.weaveById("send-batch-to-ingest-flow").before().process(exchange -> {
            IngestBatch batch = exchange.getMessage().getBody(IngestBatch.class);
            for (RawEntry entry : batch.entries()) {
                if (marked(entry, THROWS)) {
                    throw new IllegalStateException("poison entry " + entry.reference() + " broke the batch");
                }
            }
        }));
        start();
    }

    @AfterAll
    void tearDown() {
        stop();
        redis.delete(STREAM);
        RedisKeys.deleteWithPrefix(redis, "budmetrics:test:" + RUN + ":");
    }

    private static boolean marked(RawEntry entry, String marker) {
        JsonNode fields = entry.fields();
        return fields != null && marker.equals(fields.path("error_message").asText(null));
    }

    // ---- helpers

    private void start() {
        try {
            context.getRouteController().startRoute(ROUTE);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A graceful stop of the stream route: the reads in it finish, unacknowledged entries stay pending. */
    private void stop() {
        try {
            context.getRouteController().stopRoute(ROUTE);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private RecordId publish(Object cloudEvent) {
        return redis.opsForStream().add(StreamRecords.string(Map.of("data", cloudEvent.toString())).withStreamKey(STREAM));
    }

    private ObjectNode poison(String marker) {
        ObjectNode event = events.event();
        event.put("error_message", marker);
        return TestEvents.gatewayEvent(List.of(event));
    }

    private long pending() {
        return redis.opsForStream().pending(STREAM, GROUP).getTotalPendingMessages();
    }

    private boolean delivered(RecordId last) {
        return redis.opsForStream().groups(STREAM).stream().filter(g -> g.groupName().equals(GROUP))
                .anyMatch(g -> g.lastDeliveredId().equals(last.getValue()));
    }

    private double exhausted() {
        Counter counter = meters.find("budmetrics.ingest.stream.exhausted").tag("stream", STREAM).counter();
        return counter == null ? 0 : counter.count();
    }

    /** stream entry id -> [error, payload] of its dead letters. */
    private Map<String, List<Object>> deadLetters(List<String> references) {
        Map<String, List<Object>> letters = new HashMap<>();
        for (List<Object> row : rows.query("SELECT reference, error, payload FROM IngestDeadLetter WHERE source = 'redis' AND reference IN ("
                + String.join(",", java.util.Collections.nCopies(references.size(), "?")) + ")", references.toArray())) {
            assertThat(letters.put((String) row.get(0), row.subList(1, 3))).as("one dead letter per entry").isNull();
        }
        return letters;
    }

    private static List<String> ids(List<ObjectNode> cloudEvents) {
        List<String> ids = new ArrayList<>();
        for (ObjectNode cloudEvent : cloudEvents) {
            cloudEvent.at("/data/entries").forEach(entry -> ids.add(entry.at("/event/inference_id").asText()));
        }
        return ids;
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private List<ObjectNode> validEntries(int count) {
        List<ObjectNode> entries = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            List<ObjectNode> bulk = new ArrayList<>();
            for (int i = 0; i <= n % 3; i++) {
                bulk.add(events.event());
            }
            entries.add(TestEvents.gatewayEvent(bulk));
        }
        return entries;
    }

    private void assertDeadLettered(Map<String, String> poison) {
        Map<String, List<Object>> letters = deadLetters(List.copyOf(poison.keySet()));
        assertThat(letters).containsOnlyKeys(poison.keySet());
        poison.forEach((reference, data) -> {
            assertThat(letters.get(reference).get(1)).as("payload of %s", reference).isEqualTo(data);
            assertThat((String) letters.get(reference).get(0)).startsWith("not stored after " + MAX_DELIVERIES + " deliveries: ");
        });
    }

    // ---- tests

    /** The report of issue 11: two poison entries took both consumers, 20 valid entries behind them waited for good. */
    @Test
    void entriesBehindPoisonAreStoredAndThePoisonIsDeadLetteredAndAcknowledged() {
        double exhaustedBefore = exhausted();
        ObjectNode neverStored = poison(NEVER_STORED);
        ObjectNode throwing = poison(THROWS);
        Map<String, String> poison = new LinkedHashMap<>();
        poison.put(publish(neverStored).getValue(), neverStored.toString());
        RecordId second = publish(throwing);
        poison.put(second.getValue(), throwing.toString());
        await("the poison entries were read and failed", Duration.ofSeconds(30), () -> delivered(second) && pending() == 2);

        List<ObjectNode> valid = validEntries(20);
        valid.forEach(this::publish);
        List<String> validIds = ids(valid);
        long started = System.nanoTime();
        await("the 20 valid entries behind the poison are stored", Duration.ofSeconds(10),
                () -> rows.countsPerId(validIds).size() == validIds.size());
        long storedAfterMs = (System.nanoTime() - started) / 1_000_000;

        await("the poison entries are acknowledged", Duration.ofSeconds(20), () -> pending() == 0);
        assertThat(rows.countsPerId(validIds).values()).allMatch(n -> n == 1L);
        assertThat(rows.countsPerId(ids(List.of(neverStored, throwing)))).isEmpty();
        assertDeadLettered(poison);
        Map<String, List<Object>> letters = deadLetters(List.copyOf(poison.keySet()));
        assertThat((String) letters.get(second.getValue()).get(0)).contains("poison entry " + second.getValue() + " broke the batch");
        assertThat(exhausted() - exhaustedBefore).isEqualTo(2);
        assertThat(storedAfterMs).isLessThan(10_000);
    }

    /** A route that throws for one entry fails the whole read: the entries read with it must still be stored. */
    @Test
    void aPoisonEntryThatBreaksItsBatchFailsNobodyElse() {
        stop();
        List<ObjectNode> before = validEntries(5);
        List<ObjectNode> after = validEntries(6);
        ObjectNode throwing = poison(THROWS);
        before.forEach(this::publish);
        RecordId poisonId = publish(throwing);
        after.forEach(this::publish);
        start(); // one read takes all 12 entries
        List<String> validIds = new ArrayList<>(ids(before));
        validIds.addAll(ids(after));
        try {
            await("the valid entries read with the poison are stored", Duration.ofSeconds(10),
                    () -> rows.countsPerId(validIds).size() == validIds.size());
            await("the poison entry is acknowledged", Duration.ofSeconds(20), () -> pending() == 0);
        } finally {
            start();
        }
        assertThat(rows.countsPerId(validIds).values()).allMatch(n -> n == 1L);
        assertDeadLettered(Map.of(poisonId.getValue(), throwing.toString()));
    }

    /**
     * Storage down (the events and the dead-letter table both gone) is not poison: entries delivered more often than
     * the limit stay pending while their dead letter cannot be written, and are stored once storage is back.
     */
    @Test
    void entriesOverTheLimitDuringAnOutageAreStoredWhenStorageIsBack() {
        List<ObjectNode> valid = validEntries(5);
        List<String> validIds = ids(valid);
        List<String> references = new ArrayList<>();
        rows.execute("RENAME TABLE ModelInferenceDetails TO ModelInferenceDetails_offline, IngestDeadLetter TO IngestDeadLetter_offline");
        try {
            valid.forEach(entry -> references.add(publish(entry).getValue()));
            await("every entry delivered more often than the limit", Duration.ofSeconds(30), () -> {
                List<PendingMessage> pending = new ArrayList<>();
                redis.opsForStream().pending(STREAM, GROUP, Range.unbounded(), 100).forEach(pending::add);
                return pending.size() == valid.size() && pending.stream().allMatch(m -> m.getTotalDeliveryCount() > MAX_DELIVERIES);
            });
        } finally {
            // storage comes back while no attempt is under way: an attempt that failed just before would be
            // dead-lettered by its delivery count, the one inherent race of a delivery limit
            stop();
            rows.execute("RENAME TABLE ModelInferenceDetails_offline TO ModelInferenceDetails, IngestDeadLetter_offline TO IngestDeadLetter");
            start();
        }
        await("stored once storage is back", Duration.ofSeconds(30), () -> pending() == 0);
        assertThat(rows.countsPerId(validIds)).hasSize(validIds.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        assertThat(deadLetters(references)).isEmpty();
    }
}
