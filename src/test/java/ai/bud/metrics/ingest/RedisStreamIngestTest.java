package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.components.redisstream.RedisStreamConsumer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Dapr topic stream consumed from the real Redis, stored in the real embedded ClickHouse. The stream
 * and group names are unique to each run (never the default stream other contexts may consume).
 *
 * <p>The shipped route's consumers claim each other's entries only after 30 s: on a loaded machine a read
 * (with a 5 s dedup claim wait) can take longer than a short claim-idle, and an entry claimed while its exchange is
 * still in the route is processed twice — its rows are still stored once, but its invalid events would be
 * dead-lettered twice, which the oracle counts. Claiming is tested with consumers of 1 s claim-idle of their own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "budmetrics.clickhouse.database=ingest_redis_test", "budmetrics.redis.ingest-enabled=true",
        "budmetrics.redis.consumer-name=spring-consumer", "budmetrics.redis.batch-size=200", "budmetrics.redis.block=200ms",
        "budmetrics.redis.claim-idle=30s", "budmetrics.redis.claim-interval=300ms", "budmetrics.redis.retry-backoff=100ms",
        "budmetrics.redis.max-retry-backoff=1s"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStreamIngestTest {

    private static final Logger log = LoggerFactory.getLogger(RedisStreamIngestTest.class);
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String STREAM = "ingest-redis-test-" + RUN;
    private static final String GROUP = "ingest-redis-test-group-" + RUN;
    private static final String TYPE = "add_observability_metrics";
    private static final String ROUTE = "ingest-redis-batch";

    @DynamicPropertySource
    static void streamNames(DynamicPropertyRegistry registry) {
        registry.add("budmetrics.redis.stream", () -> STREAM);
        registry.add("budmetrics.redis.consumer-group", () -> GROUP);
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> "budmetrics:test:" + RUN);
    }

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    CamelContext context;

    @Autowired
    DataSource dataSource;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    private Rows rows;
    private final TestEvents events = new TestEvents(99);

    @BeforeAll
    void setUp() {
        rows = new Rows(dataSource);
    }

    @AfterAll
    void tearDown() {
        stop(ROUTE);
        redis.delete(STREAM);
        RedisKeys.deleteWithPrefix(redis, "budmetrics:test:" + RUN + ":");
    }

    // ---- helpers

    private RecordId publish(Object cloudEvent) {
        return redis.opsForStream().add(StreamRecords.string(Map.of("data", cloudEvent.toString())).withStreamKey(STREAM));
    }

    private double streamEntries(String result) {
        io.micrometer.core.instrument.Counter counter = meters.find("budmetrics.ingest.stream.entries").tag("stream", STREAM)
                .tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    private long pending() {
        return redis.opsForStream().pending(STREAM, GROUP).getTotalPendingMessages();
    }

    private boolean delivered(RecordId last) {
        return redis.opsForStream().groups(STREAM).stream().filter(g -> g.groupName().equals(GROUP))
                .anyMatch(g -> g.lastDeliveredId().equals(last.getValue()));
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

    /** The shipped route's consumer (routes/ingest-redis.camel.yaml), started with the test's settings. */
    private RedisStreamConsumer consumer() {
        return (RedisStreamConsumer) context.getRoute(ROUTE).getConsumer();
    }

    private void start(String routeId) {
        try {
            context.getRouteController().startRoute(routeId);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A graceful stop: the reads in the route finish, unacknowledged entries stay pending. */
    private void stop(String routeId) {
        try {
            context.getRouteController().stopRoute(routeId);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Another instance's consumer of the same group: a route with the shipped route's steps on a redis-stream endpoint
     * of its own consumer name and settings (not started).
     */
    private RedisStreamConsumer extraConsumer(String name, Duration claimIdle, int batchSize) {
        String uri = "redis-stream:" + STREAM + "?group=" + GROUP + "&consumerName=" + name + "&consumers=1&batchSize=" + batchSize
                + "&block=200ms&claimIdle=" + claimIdle.toMillis() + "ms&claimInterval=300ms&retryBackoff=100ms&maxRetryBackoff=1s";
        try {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from(uri).routeId(name).autoStartup(false)
                            .setProperty("streamRead", body())
                            .bean("redisStreamEntries", "toIngestBatch")
                            .to("direct:ingest")
                            .bean("redisStreamEntries", "acknowledgement(${exchangeProperty.streamRead}, ${body})");
                }
            });
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return (RedisStreamConsumer) context.getRoute(name).getConsumer();
    }

    /** The oracle: what a published mix must end up as. */
    private static final class Expected {
        final Set<String> validIds = new HashSet<>();
        final Set<String> invalidIds = new HashSet<>();
        int invalidEvents;
        int undecodable;
        final List<String> undecodableEntries = new ArrayList<>();
        int otherType;
        final List<String> otherTypeEntries = new ArrayList<>();
        int entries;
        RecordId last;
    }

    /**
     * Publishes {@code count} stream entries: gateway CloudEvents carrying bulks of 1..5 events, single
     * CloudEvents, re-published (duplicate) events, invalid events, other event types and non-JSON data.
     */
    private Expected publishMix(int count, long seed) {
        Random random = new Random(seed);
        Expected expected = new Expected();
        List<ObjectNode> published = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            int kind = random.nextInt(100);
            Object message;
            if (kind < 5) {
                expected.otherType++;
                expected.last = publish(TestEvents.cloudEvent(events.event(), "some_other_event"));
                expected.otherTypeEntries.add(expected.last.getValue());
                expected.entries++;
                continue;
            } else if (kind < 7) {
                expected.undecodable++;
                expected.undecodableEntries.add(publish("not json {").getValue());
                expected.entries++;
                continue;
            } else {
                List<ObjectNode> batch = new ArrayList<>();
                int size = kind < 40 ? 1 : 1 + random.nextInt(5);
                for (int i = 0; i < size; i++) {
                    ObjectNode event;
                    int pick = random.nextInt(100);
                    if (pick < 10 && !published.isEmpty()) {
                        event = published.get(random.nextInt(published.size())).deepCopy();
                    } else if (pick < 15) {
                        event = events.event();
                        event.put("request_ip", "999.1.1.1");
                        expected.invalidIds.add(event.get("inference_id").asText());
                        expected.invalidEvents++;
                    } else {
                        event = events.event();
                        published.add(event);
                        expected.validIds.add(event.get("inference_id").asText());
                    }
                    batch.add(event);
                }
                message = kind < 40 && batch.size() == 1 ? TestEvents.cloudEvent(batch.get(0), TYPE) : TestEvents.gatewayEvent(batch);
            }
            expected.last = publish(message);
            expected.entries++;
        }
        return expected;
    }

    private void assertStoredExactlyOnce(Expected expected) {
        Map<String, Long> counts = rows.countsPerId(expected.validIds);
        assertThat(counts.keySet()).isEqualTo(expected.validIds);
        assertThat(counts.values()).allMatch(n -> n == 1L);
        assertThat(rows.countsPerId(expected.invalidIds)).isEmpty();
    }

    // ---- tests

    @Test
    void thousandsOfEntriesAreStoredExactlyOnceAndNothingStaysPending() {
        start(ROUTE);
        Expected expected = publishMix(3000, 1);
        await("all entries delivered and acknowledged", Duration.ofMinutes(5), () -> delivered(expected.last) && pending() == 0);
        assertStoredExactlyOnce(expected);
        long deadLetters = ((Number) rows.query("SELECT count() FROM IngestDeadLetter WHERE source = 'redis' AND inference_id IN ("
                + String.join(",", java.util.Collections.nCopies(expected.invalidIds.size(), "?")) + ")", expected.invalidIds.toArray())
                .get(0).get(0)).longValue();
        assertThat(deadLetters).isEqualTo(expected.invalidEvents);
        List<List<Object>> notJson = rows.query("SELECT reference, error, payload FROM IngestDeadLetter WHERE source = 'redis' AND reference IN ("
                + String.join(",", java.util.Collections.nCopies(expected.undecodableEntries.size(), "?")) + ")",
                expected.undecodableEntries.toArray());
        assertThat(notJson).extracting(r -> (String) r.get(0)).containsExactlyInAnyOrderElementsOf(expected.undecodableEntries);
        assertThat(notJson).allSatisfy(r -> assertThat(r.get(2)).isEqualTo("not json {"));
        List<List<Object>> otherType = rows.query("SELECT reference, error FROM IngestDeadLetter WHERE source = 'redis' AND reference IN ("
                + String.join(",", java.util.Collections.nCopies(expected.otherTypeEntries.size(), "?")) + ")",
                expected.otherTypeEntries.toArray());
        assertThat(otherType).extracting(r -> (String) r.get(0)).containsExactlyInAnyOrderElementsOf(expected.otherTypeEntries);
        assertThat(otherType).allSatisfy(r -> assertThat((String) r.get(1)).contains("some_other_event"));
        assertThat(pending()).isZero();
        log.info("stream mix: {} entries, {} distinct valid ids, {} invalid events, {} not JSON, {} other type", expected.entries,
                expected.validIds.size(), expected.invalidEvents, expected.undecodable, expected.otherType);
    }

    /** The service's consumer runs several consumers of the group (REDIS_CONSUMERS, 4 by default); they share the work. */
    @Test
    void theConsumerThreadsAreConsumersOfTheGroupAndShareTheStream() {
        start(ROUTE);
        assertThat(consumer().consumerNames()).hasSize(4).containsExactly(consumer().consumerName() + "-1", consumer().consumerName() + "-2",
                consumer().consumerName() + "-3", consumer().consumerName() + "-4");
        Expected expected = publishMix(4000, 3);
        await("all entries delivered and acknowledged", Duration.ofMinutes(5), () -> delivered(expected.last) && pending() == 0);
        assertStoredExactlyOnce(expected);
        java.util.Set<String> members = new java.util.HashSet<>();
        redis.opsForStream().consumers(STREAM, GROUP).forEach(c -> members.add(c.consumerName()));
        assertThat(members).containsAll(consumer().consumerNames());
        assertThat(consumer().isConsuming()).isTrue();
    }

    /** What Dapr's own publish API ({@code POST /v1.0/publish/...}) writes: type com.dapr.event.sent, one event or a bulk. */
    @Test
    void daprPublishApiEventsAreStored() {
        start(ROUTE);
        ObjectNode single = events.event();
        List<ObjectNode> bulk = List.of(events.event(), events.event());
        publish(TestEvents.cloudEvent(single, "com.dapr.event.sent"));
        RecordId last = publish(TestEvents.cloudEvent(TestEvents.bulk(bulk, false), "com.dapr.event.sent"));
        await("both entries acknowledged", Duration.ofMinutes(1), () -> delivered(last) && pending() == 0);
        List<String> ids = List.of(single.get("inference_id").asText(), bulk.get(0).get("inference_id").asText(),
                bulk.get(1).get("inference_id").asText());
        assertThat(rows.countsPerId(ids)).containsOnlyKeys(ids).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
    }

    /** SPEC section 4: another type, or no CloudEvent at all, is dead-lettered with its reason, then acknowledged. */
    @Test
    void otherTypesAndNonCloudEventsAreDeadLetteredWithTheirReasonAndAcknowledged() {
        start(ROUTE);
        double before = streamEntries("dead_lettered");
        ObjectNode otherType = TestEvents.cloudEvent(events.event(), "something_else");
        ObjectNode fieldsAlone = events.event();
        ObjectNode noType = TestEvents.cloudEvent(events.event(), TYPE);
        noType.remove("type");
        Map<String, String> published = new java.util.LinkedHashMap<>();
        RecordId last = null;
        for (ObjectNode data : List.of(otherType, fieldsAlone, noType)) {
            last = publish(data);
            published.put(last.getValue(), data.toString());
        }
        RecordId end = last;
        await("entries acknowledged and counted", Duration.ofMinutes(1),
                () -> delivered(end) && pending() == 0 && streamEntries("dead_lettered") - before >= 3);
        Map<String, List<Object>> letters = new java.util.HashMap<>();
        for (List<Object> row : rows.query("SELECT reference, error, payload FROM IngestDeadLetter WHERE source = 'redis' AND reference IN (?, ?, ?)",
                published.keySet().toArray())) {
            letters.put((String) row.get(0), row);
        }
        assertThat(letters).containsOnlyKeys(published.keySet());
        published.forEach((reference, data) -> assertThat(letters.get(reference).get(2)).isEqualTo(data));
        List<String> references = List.copyOf(published.keySet());
        assertThat((String) letters.get(references.get(0)).get(1)).contains("type").contains("something_else");
        assertThat((String) letters.get(references.get(1)).get(1)).contains("CloudEvent");
        assertThat((String) letters.get(references.get(2)).get(1)).contains("CloudEvent");
        assertThat(rows.countsPerId(List.of(otherType.at("/data/inference_id").asText(), fieldsAlone.get("inference_id").asText(),
                noType.at("/data/inference_id").asText()))).isEmpty();
        assertThat(streamEntries("dead_lettered") - before).isEqualTo(3);
    }

    @Test
    void aConsumerStoppedMidStreamAndASecondStartedLoseAndDoubleNothing() {
        stop(ROUTE);
        Expected expected = publishMix(1500, 2);
        // a consumer that read 100 entries and died before processing them
        List<MapRecord<String, Object, Object>> orphaned = redis.opsForStream().read(Consumer.from(GROUP, "dead-" + RUN),
                StreamReadOptions.empty().count(100), StreamOffset.create(STREAM, ReadOffset.lastConsumed()));
        assertThat(orphaned).hasSize(100);

        RedisStreamConsumer first = extraConsumer("first-" + RUN, Duration.ofHours(1), 50);
        start("first-" + RUN);
        await("the first consumer is mid-stream", Duration.ofMinutes(2), () -> first.acknowledged() >= 300);
        stop("first-" + RUN);
        assertThat(first.acknowledged()).isLessThan(expected.entries - 100);

        RedisStreamConsumer second = extraConsumer("second-" + RUN, Duration.ofSeconds(1), 200);
        start("second-" + RUN);
        try {
            await("the second consumer took over (new entries and the dead consumer's)", Duration.ofMinutes(5),
                    () -> delivered(expected.last) && pending() == 0);
        } finally {
            stop("second-" + RUN);
        }
        assertStoredExactlyOnce(expected);
        assertThat(first.acknowledged() + second.acknowledged()).isGreaterThanOrEqualTo(expected.entries);
        start(ROUTE);
    }

    @Test
    void ownPendingEntriesAreReadAgainAtStart() {
        stop(ROUTE);
        ObjectNode event = events.event();
        publish(TestEvents.gatewayEvent(List.of(event)));
        String name = "restarted-" + RUN;
        // read but never acknowledged: the consumer crashed before it could store them
        assertThat(redis.opsForStream().read(Consumer.from(GROUP, name), StreamReadOptions.empty().count(10),
                StreamOffset.create(STREAM, ReadOffset.lastConsumed()))).hasSize(1);
        extraConsumer(name, Duration.ofHours(1), 10);
        start(name);
        try {
            await("own pending entry processed", Duration.ofMinutes(1), () -> pending() == 0);
        } finally {
            stop(name);
        }
        assertThat(rows.countsPerId(List.of(event.get("inference_id").asText()))).containsValue(1L);
        start(ROUTE);
    }

    @Test
    void whileClickHouseIsUnavailableEntriesStayPendingThenAreStored() {
        start(ROUTE);
        rows.execute("RENAME TABLE ModelInferenceDetails TO ModelInferenceDetails_offline");
        Expected expected = null;
        try {
            expected = publishMix(60, 3);
            await("the consumer fails to store and keeps entries pending", Duration.ofMinutes(1),
                    () -> consumer().lastError() != null && pending() > 0);
            long before = consumer().batches();
            await("the consumer retried", Duration.ofMinutes(1), () -> consumer().batches() >= before + 3);
            // nothing stored, nothing acknowledged that carries a valid event; the rest waits in the stream
            assertThat(pending()).isGreaterThan(0);
            assertThat(rows.query("SELECT count() FROM ModelInferenceDetails_offline WHERE inference_id IN ("
                    + String.join(",", java.util.Collections.nCopies(expected.validIds.size(), "?")) + ")", expected.validIds.toArray())
                    .get(0).get(0)).asString().isEqualTo("0");
        } finally {
            rows.execute("RENAME TABLE ModelInferenceDetails_offline TO ModelInferenceDetails");
        }
        Expected sent = expected;
        await("stored once ClickHouse is back", Duration.ofMinutes(2), () -> delivered(sent.last) && pending() == 0);
        assertStoredExactlyOnce(expected);
    }

    @Test
    void theXaddExampleOfTheDeploymentGuideIsStored() throws Exception {
        start(ROUTE);
        String guide = java.nio.file.Files.readString(java.nio.file.Path.of("docs/DEPLOYMENT.md"));
        java.util.regex.Matcher example = java.util.regex.Pattern.compile("redis-cli XADD budMetricsMessages '\\*' data '(.+)'").matcher(guide);
        assertThat(example.find()).isTrue();
        String cloudEvent = example.group(1);
        String id = TestEvents.MAPPER.readTree(cloudEvent).at("/data/entries/0/event/inference_id").asText();
        RecordId added = publish(cloudEvent);
        await("the example is acknowledged", Duration.ofMinutes(1), () -> delivered(added) && pending() == 0);
        assertThat(rows.countsPerId(List.of(id))).containsEntry(id, 1L);
    }

    @Test
    void measureStreamIngestRate() {
        stop(ROUTE);
        List<ObjectNode> all = new ArrayList<>();
        RecordId last = null;
        for (int n = 0; n < 2000; n++) {
            List<ObjectNode> batch = List.of(events.event(), events.event(), events.event(), events.event(), events.event());
            all.addAll(batch);
            last = publish(TestEvents.gatewayEvent(batch));
        }
        RecordId end = last;
        extraConsumer("measure-" + RUN, Duration.ofHours(1), 500);
        long started = System.nanoTime();
        start("measure-" + RUN);
        try {
            await("backlog consumed", Duration.ofMinutes(10), () -> delivered(end) && pending() == 0);
        } finally {
            stop("measure-" + RUN);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log.info("INGEST RATE redis stream: {} events in {} stream entries in {} s = {} events/s", all.size(), 2000,
                String.format("%.2f", seconds), Math.round(all.size() / seconds));
        Map<String, Long> counts = rows.countsPerId(all.stream().map(e -> e.get("inference_id").asText()).toList());
        assertThat(counts).hasSize(all.size());
        start(ROUTE);
    }
}
