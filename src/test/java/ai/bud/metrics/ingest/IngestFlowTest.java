package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.dedup.DedupKeys;
import ai.bud.metrics.ingest.dedup.Deduplicator;
import ai.bud.metrics.ingest.store.BatchWriter;
import ai.bud.metrics.ingest.store.DeadLetterStore;
import ai.bud.metrics.ingest.store.InferenceEvent;
import ai.bud.metrics.support.TestClickHouse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The dedup protocol without Spring: real Redis claims, real ClickHouse rows. Covers what HTTP tests cannot
 * stage: a claim held by a writer that is still busy, a writer that crashed between insert and marker,
 * Redis being down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestFlowTest {

    private static final String DATABASE = "ingest_flow_test";

    private final TestEvents events = new TestEvents(5);
    private final String prefix = "budmetrics:test:" + UUID.randomUUID();
    private DataSource dataSource;
    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private Rows rows;
    private BatchWriter writer;

    @BeforeAll
    void setUp() {
        dataSource = TestClickHouse.database(DATABASE);
        rows = new Rows(dataSource);
        writer = new BatchWriter(dataSource, 30);
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
        factory.afterPropertiesSet();
        redis = new StringRedisTemplate(factory);
    }

    @AfterAll
    void tearDown() {
        RedisKeys.deleteWithPrefix(redis, prefix + ":");
        factory.destroy();
        writer.close();
    }

    private Deduplicator deduplicator(StringRedisTemplate template, Duration claimTtl, Duration claimWait) {
        return new Deduplicator(template, prefix, DATABASE, claimTtl, claimWait, Duration.ofHours(1));
    }

    /** What the ingest route's dead-letter step does (routes/ingest-http.camel.yaml), without Camel: write, then answer DROP. */
    private IngestBatch deadLetter(IngestBatch batch) {
        new DeadLetterStore(dataSource).write(batch.deadLetters());
        return batch.deadLettersWritten();
    }

    private IngestFlow flow(Deduplicator deduplicator) {
        return new IngestFlow(deduplicator, writer, new SimpleMeterRegistry());
    }

    /** One delivery through the flow; returns once its markers (set after the reply) are written too. */
    private IngestBatch run(Deduplicator dedup, List<ObjectNode> sent) {
        IngestFlow flow = flow(dedup);
        List<RawEntry> entries = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            entries.add(new RawEntry(i, "e" + i, sent.get(i), sent.get(i).toString(), null, null));
        }
        IngestBatch batch = new IngestBatch("test", DeliveryKind.DAPR_BULK, entries);
        IngestBatch done = deadLetter(flow.store(flow.validate(batch)));
        dedup.awaitBackgroundWork(Duration.ofSeconds(10));
        return done;
    }

    /** Another writer's claim on {@code id}, valid for {@code validFor} (Redis runs on this machine: same clock). */
    private void holdElsewhere(Deduplicator dedup, UUID id, String token, Duration validFor) {
        DedupKeys.holdElsewhere(dedup, id, token, System.currentTimeMillis() + validFor.toMillis(), Duration.ofMinutes(10));
    }

    /** As if the key set had been running for an hour (events of the last minutes may skip the existence check). */
    private void keySetRunningForAnHour(Deduplicator dedup) {
        redis.opsForValue().set(DedupKeys.sinceKey(dedup), DedupKeys.sinceValue(dedup, System.currentTimeMillis() - Duration.ofHours(1).toMillis()));
    }

    private Deduplicator longRunningDeduplicator() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofSeconds(5));
        keySetRunningForAnHour(dedup);
        return dedup;
    }

    private static LocalDateTime secondsAgo(long seconds) {
        return LocalDateTime.now(ZoneOffset.UTC).minusSeconds(seconds);
    }

    /** A real BatchWriter that counts the existence checks it is asked for. */
    private static final class CountingWriter extends BatchWriter {
        final AtomicInteger checks = new AtomicInteger();

        CountingWriter(DataSource dataSource) {
            super(dataSource, 30);
        }

        @Override
        public Set<UUID> existing(Collection<UUID> ids) {
            checks.incrementAndGet();
            return super.existing(ids);
        }
    }

    private IngestBatch runWith(Deduplicator dedup, BatchWriter writer, List<ObjectNode> sent) {
        IngestFlow flow = new IngestFlow(dedup, writer, new SimpleMeterRegistry());
        List<RawEntry> entries = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            entries.add(new RawEntry(i, "e" + i, sent.get(i), sent.get(i).toString(), null, null));
        }
        IngestBatch done = deadLetter(flow.store(flow.validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, entries))));
        dedup.awaitBackgroundWork(Duration.ofSeconds(10));
        return done;
    }

    @Test
    void aRecentEventWithNoTraceIsStoredWithoutAskingClickHouseAndItsRedeliveryIsFoundThere() {
        Deduplicator dedup = longRunningDeduplicator();
        CountingWriter counting = new CountingWriter(dataSource);
        ObjectNode event = events.event(secondsAgo(2));
        assertThat(runWith(dedup, counting, List.of(event)).outcome(0)).isEqualTo(Outcome.INSERTED);
        assertThat(counting.checks).hasValue(0);
        // the "stored" marker is a hint: the redelivery is checked, and the row answers it
        assertThat(runWith(dedup, counting, List.of(event.deepCopy())).outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(counting.checks).hasValue(1);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
        assertThat(DedupKeys.state(dedup, UUID.fromString(id(event)))).isEqualTo("d");
    }

    @Test
    void afterRedisLostItsKeysEvenRecentEventsAreCheckedInClickHouse() {
        Deduplicator dedup = longRunningDeduplicator();
        CountingWriter counting = new CountingWriter(dataSource);
        ObjectNode event = events.event(secondsAgo(2));
        assertThat(runWith(dedup, counting, List.of(event)).outcome(0)).isEqualTo(Outcome.INSERTED);
        // Redis restarted empty: no marker, and the key set starts again now (after the event arrived)
        RedisKeys.deleteWithPrefix(redis, prefix + ":");
        assertThat(runWith(dedup, counting, List.of(event.deepCopy())).outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(counting.checks).hasValue(1);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
    }

    @Test
    void anEventOlderThanTheKeysIsCheckedInClickHouse() {
        Deduplicator dedup = longRunningDeduplicator();
        CountingWriter counting = new CountingWriter(dataSource);
        // stored two hours ago (its key has expired since): only ClickHouse knows
        ObjectNode event = events.event(secondsAgo(7200));
        writer.insert(List.of(new EventValidator().validate(event)));
        assertThat(runWith(dedup, counting, List.of(event)).outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(counting.checks).hasValue(1);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
    }

    @Test
    void aRecentEventHeldByAWriterThatStoredItAndVanishedIsFoundInClickHouse() throws Exception {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofSeconds(10));
        keySetRunningForAnHour(dedup);
        ObjectNode event = events.event(secondsAgo(1));
        UUID id = UUID.fromString(id(event));
        // the other writer stores the row and goes away without a marker: its claim runs out after 800 ms
        holdElsewhere(dedup, id, "other-writer", Duration.ofMillis(800));
        writer.insert(List.of(new EventValidator().validate(event)));
        IngestBatch batch = run(dedup, List.of(event));
        assertThat(batch.outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
        assertThat(DedupKeys.state(dedup, id)).isEqualTo("d");
    }

    @Test
    void finishingLeavesAnIdAloneThatAnotherWriterHoldsByNow() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofSeconds(1));
        UUID stored = UUID.randomUUID();
        UUID released = UUID.randomUUID();
        UUID ours = UUID.randomUUID();
        Deduplicator.Claims claims = dedup.claim(List.of(stored, released, ours));
        assertThat(claims.acquired()).containsExactlyInAnyOrder(stored, released, ours);
        // our claims on two ids ran out and other writers took them
        long until = System.currentTimeMillis() + 30_000;
        String other = DedupKeys.claimValue("other-writer", until);
        DedupKeys.holdElsewhere(dedup, stored, "other-writer", until, Duration.ofSeconds(100));
        DedupKeys.holdElsewhere(dedup, released, "other-writer", until, Duration.ofSeconds(100));
        dedup.finish(claims, List.of(stored, ours));
        assertThat(DedupKeys.state(dedup, stored)).isEqualTo(other);
        assertThat(DedupKeys.state(dedup, released)).isEqualTo(other);
        assertThat(redis.getExpire(DedupKeys.key(dedup, released))).isBetween(90L, 100L);
        assertThat(DedupKeys.state(dedup, ours)).isEqualTo("d");
        // an id whose key vanished meanwhile gets none from finishing
        redis.delete(DedupKeys.key(dedup, ours));
        dedup.finish(claims, List.of(ours));
        assertThat(redis.hasKey(DedupKeys.key(dedup, ours))).isFalse();
    }

    @Test
    void theCheckIsSkippedOnlyInsideTheWindowWhereEveryEarlierDeliveryLeftAKey() {
        Deduplicator dedup = new Deduplicator(redis, prefix, DATABASE, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofSeconds(30));
        UUID id = UUID.randomUUID();
        long now = 1_800_000_000_000L;
        long since = now - Duration.ofHours(1).toMillis();
        Deduplicator.Claims unseen = new Deduplicator.Claims("t", Set.of(id), Set.of(), Set.of(), Set.of(id), now, since, Map.of());
        Deduplicator.Claims seen = new Deduplicator.Claims("t", Set.of(id), Set.of(), Set.of(), Set.of(), now, since, Map.of());
        assertThat(dedup.provenUnseen(unseen, id, now - 1000)).isTrue();
        assertThat(dedup.provenUnseen(seen, id, now - 1000)).as("an earlier attempt left a key").isFalse();
        // older than the key TTL less the skew: an earlier delivery's key may have expired
        assertThat(dedup.provenUnseen(unseen, id, now - Duration.ofSeconds(570).toMillis() + 1)).isTrue();
        assertThat(dedup.provenUnseen(unseen, id, now - Duration.ofSeconds(570).toMillis())).isFalse();
        // arrived (less the skew) before the key set began: a delivery before a Redis restart left no key
        Deduplicator.Claims young = new Deduplicator.Claims("t", Set.of(id), Set.of(), Set.of(), Set.of(id), now, now - 40_000, Map.of());
        assertThat(dedup.provenUnseen(young, id, now - 10_000)).isTrue();
        assertThat(dedup.provenUnseen(young, id, now - 10_001)).isFalse();
        // from further ahead than the skew: the gateway's clock is off, nothing can be concluded
        assertThat(dedup.provenUnseen(unseen, id, now + 30_000)).isTrue();
        assertThat(dedup.provenUnseen(unseen, id, now + 30_001)).isFalse();
        Deduplicator noMarkers = new Deduplicator(redis, prefix, DATABASE, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ZERO,
                Duration.ofSeconds(30));
        assertThat(noMarkers.provenUnseen(unseen, id, now - 1000)).isFalse();
    }

    @Test
    void aRedeliveryArrivingBeforeTheMarkersAreWrittenIsADuplicate() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofSeconds(5));
        IngestFlow flow = flow(dedup);
        ObjectNode event = events.event();
        List<RawEntry> first = List.of(new RawEntry(0, "e0", event, event.toString(), null, null));
        List<RawEntry> again = List.of(new RawEntry(0, "e0", event.deepCopy(), event.toString(), null, null));
        IngestBatch stored = deadLetter(flow.store(flow.validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, first))));
        // no waiting for the marker thread: the id is still claimed or already marked, never free with a stale check
        IngestBatch redelivered = deadLetter(flow.store(flow.validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, again))));
        assertThat(stored.outcome(0)).isEqualTo(Outcome.INSERTED);
        assertThat(redelivered.outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
        dedup.awaitBackgroundWork(Duration.ofSeconds(10));
        dedup.close();
    }

    private static String id(ObjectNode event) {
        return event.get("inference_id").asText();
    }

    @Test
    void anIdClaimedByABusyWriterIsRetryNotDuplicate() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofMillis(300));
        ObjectNode contested = events.event();
        ObjectNode free = events.event();
        // another writer holds the claim and has not finished
        holdElsewhere(dedup, UUID.fromString(id(contested)), "other-writer", Duration.ofSeconds(30));
        IngestBatch batch = run(dedup, List.of(contested, free));
        assertThat(batch.outcome(0)).isEqualTo(Outcome.RETRY);
        assertThat(batch.outcome(1)).isEqualTo(Outcome.INSERTED);
        assertThat(rows.countsPerId(List.of(id(contested)))).isEmpty();

        // the other writer gives up its claim without storing (its release leaves the trace "r"): the retry stores it
        redis.opsForValue().set(DedupKeys.key(dedup, UUID.fromString(id(contested))), "r", Duration.ofMinutes(10));
        IngestBatch retry = run(dedup, List.of(contested, free));
        assertThat(retry.outcome(0)).isEqualTo(Outcome.INSERTED);
        assertThat(retry.outcome(1)).isEqualTo(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(List.of(id(contested), id(free)))).containsValues(1L, 1L).hasSize(2);
    }

    @Test
    void aWriterThatCrashedBetweenInsertAndMarkerLeavesNoDoubleRow() throws Exception {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofMillis(200));
        ObjectNode event = events.event();
        UUID id = UUID.fromString(id(event));
        // the crashed writer: claim taken, row inserted, neither marker set nor claim released
        holdElsewhere(dedup, id, "crashed-writer", Duration.ofMillis(1500));
        writer.insert(List.of(new EventValidator().validate(event)));

        IngestBatch whileClaimed = run(dedup, List.of(event));
        assertThat(whileClaimed.outcome(0)).isEqualTo(Outcome.RETRY);

        // once the claim ran out, the next delivery finds the row in ClickHouse
        Thread.sleep(1600);
        IngestBatch redelivered = run(dedup, List.of(event));
        assertThat(redelivered.outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
        assertThat(DedupKeys.state(dedup, id)).isEqualTo("d");
    }

    @Test
    void withoutDoneMarkersClickHouseAloneFindsTheDuplicate() {
        Deduplicator dedup = new Deduplicator(redis, prefix, DATABASE, Duration.ofSeconds(30), Duration.ofMillis(200), Duration.ZERO);
        ObjectNode event = events.event();
        assertThat(run(dedup, List.of(event)).outcome(0)).isEqualTo(Outcome.INSERTED);
        assertThat(redis.hasKey(DedupKeys.key(dedup, UUID.fromString(id(event))))).isFalse();
        assertThat(run(dedup, List.of(event)).outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(List.of(id(event)))).containsEntry(id(event), 1L);
    }

    @Test
    void withRedisDownNothingIsStoredAndEverythingIsRetry() {
        LettuceConnectionFactory nowhere = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 1));
        nowhere.afterPropertiesSet();
        try {
            Deduplicator dedup = deduplicator(new StringRedisTemplate(nowhere), Duration.ofSeconds(30), Duration.ofMillis(100));
            ObjectNode event = events.event();
            ObjectNode invalid = events.event();
            invalid.put("cost", -3);
            IngestBatch batch = run(dedup, List.of(event, invalid));
            assertThat(batch.status(0)).isEqualTo("RETRY");
            assertThat(batch.status(1)).isEqualTo("DROP");
            assertThat(rows.countsPerId(List.of(id(event)))).isEmpty();
        } finally {
            nowhere.destroy();
        }
    }

    @Test
    void repeatsInsideABatchFollowTheirFirstOccurrence() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofMillis(200));
        ObjectNode event = events.event();
        ObjectNode held = events.event();
        holdElsewhere(dedup, UUID.fromString(id(held)), "other", Duration.ofSeconds(30));
        IngestBatch batch = run(dedup, List.of(event, held, event.deepCopy(), held.deepCopy(), event.deepCopy()));
        assertThat(List.of(batch.outcome(0), batch.outcome(1), batch.outcome(2), batch.outcome(3), batch.outcome(4)))
                .containsExactly(Outcome.INSERTED, Outcome.RETRY, Outcome.DUPLICATE, Outcome.RETRY, Outcome.DUPLICATE);
        redis.delete(DedupKeys.key(dedup, UUID.fromString(id(held))));
    }

    @Test
    void unusualResponseAnalysisObjectsAreStored() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofMillis(200));
        List<ObjectNode> sent = new ArrayList<>();
        for (String json : List.of("{}", "{\"a\":{\"b\":{\"c\":[1,2,3]}}}", "{\"mixed\":[1,\"x\",null,true]}", "{\"a\":1,\"a.b\":2}",
                "{\"unicode\":\"\\u00e9\\u4e2d\"}", "{\"n\":-1.5e300}")) {
            ObjectNode event = events.event();
            event.set("response_analysis", parse(json));
            sent.add(event);
        }
        IngestBatch batch = run(dedup, sent);
        for (int i = 0; i < sent.size(); i++) {
            assertThat(batch.outcome(i)).as(sent.get(i).get("response_analysis").toString()).isEqualTo(Outcome.INSERTED);
        }
    }

    @Test
    void anEventClickHouseRefusesIsDeadLetteredWithItsReasonAndAnsweredWithAnErrorIdOnly() {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofMillis(200));
        List<ObjectNode> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(events.event());
        }
        sent.add(sent.get(13).deepCopy());
        IngestFlow flow = flow(dedup);
        List<RawEntry> entries = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            entries.add(new RawEntry(i, "e" + i, sent.get(i), sent.get(i).toString(), null, null));
        }
        IngestBatch batch = flow.validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, entries));
        // a value the validator would have refused, as if it had missed it: the INSERT refuses it
        batch.accept(13, refusedByClickHouse(batch.event(13)));
        deadLetter(flow.store(batch));
        dedup.awaitBackgroundWork(Duration.ofSeconds(10));
        for (int i = 0; i < sent.size(); i++) {
            assertThat(batch.status(i)).as("entry " + i).isEqualTo(i == 13 || i == 20 ? "DROP" : "SUCCESS");
        }
        // the reply names an error id, nothing of the engine; the dead letter keeps the engine's reason under that id
        assertThat(batch.error(13)).matches("rejected by storage; see error id [0-9a-f-]{36}");
        assertThat(batch.fieldErrors(13)).containsExactly(new ai.bud.metrics.errors.FieldError("event", batch.error(13)));
        assertThat(batch.error(20)).isEqualTo(batch.error(13));
        List<String> valid = new ArrayList<>(sent.stream().map(IngestFlowTest::id).toList());
        valid.remove(id(sent.get(13)));
        valid.remove(id(sent.get(13)));
        assertThat(rows.countsPerId(valid)).hasSize(19).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        assertThat(rows.countsPerId(List.of(id(sent.get(13))))).isEmpty();
        assertThat(rows.query("SELECT error FROM IngestDeadLetter WHERE inference_id = ?", id(sent.get(13)))).hasSize(2)
                .allSatisfy(row -> assertThat((String) row.get(0)).startsWith(batch.error(13) + ": ").contains("DB::Exception"));
    }

    /**
     * Batches stored at the same time meet in the group commit: a batch spanning 150 months (more partitions than one
     * INSERT block may hold by default) and a batch holding an event ClickHouse refuses on its own must not make any
     * other batch fail, nor fail themselves beyond that one event.
     */
    @Test
    void concurrentBatchesAreEachAnsweredForThemselvesBesideAWideAndAPoisonedOne() throws Exception {
        Deduplicator dedup = deduplicator(redis, Duration.ofSeconds(30), Duration.ofSeconds(5));
        List<List<ObjectNode>> batches = new ArrayList<>();
        List<ObjectNode> wide = new ArrayList<>();
        for (int month = 0; month < 150; month++) {
            wide.add(events.event(LocalDateTime.of(2011, 1, 1, 8, 0).plusMonths(month)));
        }
        batches.add(wide);
        for (int b = 1; b < 9; b++) {
            List<ObjectNode> batch = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                batch.add(events.event());
            }
            batches.add(batch);
        }
        int poisonedBatch = 4;
        int poisonedEntry = 7;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(batches.size());
        List<java.util.concurrent.Future<IngestBatch>> futures = new ArrayList<>();
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        try {
            for (int b = 0; b < batches.size(); b++) {
                List<ObjectNode> sent = batches.get(b);
                boolean poisoned = b == poisonedBatch;
                futures.add(pool.submit(() -> {
                    IngestFlow flow = flow(dedup);
                    List<RawEntry> entries = new ArrayList<>();
                    for (int i = 0; i < sent.size(); i++) {
                        entries.add(new RawEntry(i, "e" + i, sent.get(i), sent.get(i).toString(), null, null));
                    }
                    IngestBatch batch = flow.validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, entries));
                    if (poisoned) {
                        batch.accept(poisonedEntry, refusedByClickHouse(batch.event(poisonedEntry)));
                    }
                    start.await();
                    return deadLetter(flow.store(batch));
                }));
            }
            start.countDown();
            Map<String, Integer> statuses = new java.util.TreeMap<>();
            for (int b = 0; b < batches.size(); b++) {
                IngestBatch done = futures.get(b).get(60, java.util.concurrent.TimeUnit.SECONDS);
                for (int i = 0; i < done.size(); i++) {
                    boolean poison = b == poisonedBatch && i == poisonedEntry;
                    assertThat(done.status(i)).as("batch " + b + " entry " + i).isEqualTo(poison ? "DROP" : "SUCCESS");
                    statuses.merge(done.status(i), 1, Integer::sum);
                }
            }
            assertThat(statuses).containsExactly(Map.entry("DROP", 1), Map.entry("SUCCESS", 150 + 8 * 40 - 1));
        } finally {
            pool.shutdownNow();
            dedup.awaitBackgroundWork(Duration.ofSeconds(10));
        }
        String poisonId = id(batches.get(poisonedBatch).get(poisonedEntry));
        List<String> stored = new ArrayList<>();
        batches.forEach(b -> b.forEach(e -> stored.add(id(e))));
        stored.remove(poisonId);
        assertThat(rows.countsPerId(stored)).hasSize(stored.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        assertThat(rows.countsPerId(List.of(poisonId))).isEmpty();
        assertThat(rows.query("SELECT count() FROM IngestDeadLetter WHERE inference_id = ?", poisonId).get(0).get(0)).asString().isEqualTo("1");
    }

    /** The same event with a JSON value ClickHouse refuses (an integer beyond its JSON type), as if validation had missed it. */
    private static InferenceEvent refusedByClickHouse(InferenceEvent valid) {
        return new InferenceEvent(valid.inferenceId(), valid.projectId(), valid.endpointId(), valid.modelId(), valid.isSuccess(),
                valid.requestArrivalTime(), valid.requestForwardTime(), valid.cost(), valid.requestIp(),
                "{\"big\":123456789012345678901234567890}", null, null, null, null, null, null, null);
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return TestEvents.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
