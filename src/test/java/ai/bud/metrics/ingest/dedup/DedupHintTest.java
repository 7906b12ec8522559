package ai.bud.metrics.ingest.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.DeliveryKind;
import ai.bud.metrics.ingest.EventValidator;
import ai.bud.metrics.ingest.IngestBatch;
import ai.bud.metrics.ingest.IngestFlow;
import ai.bud.metrics.ingest.Outcome;
import ai.bud.metrics.ingest.RawEntry;
import ai.bud.metrics.ingest.RedisKeys;
import ai.bud.metrics.ingest.Rows;
import ai.bud.metrics.ingest.TestEvents;
import ai.bud.metrics.ingest.store.BatchWriter;
import ai.bud.metrics.ingest.store.DeadLetterStore;
import ai.bud.metrics.support.TestClickHouse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Redis is a hint, the table is the truth (SPEC section 3, "Storage faults never stall or lose"): dedup keys that
 * outlive their table never hide a missing row, a new table instance starts a new key set, and an event stamped in
 * the future gets one row also after an ordinary key would have expired. Real Redis, real engine; the table is
 * dropped and created again in this suite's own database (one embedded data path per process: a fresh data
 * directory is the chaos script's part).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DedupHintTest {

    private static final String DATABASE = "ingest_dedup_hint_test";

    private final TestEvents events = new TestEvents(23);
    private final String prefix = "budmetrics:test:" + UUID.randomUUID();
    private DataSource dataSource;
    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private Rows rows;
    private BatchWriter writer;

    /** What the ingest route's dead-letter step does (routes/ingest-http.camel.yaml), without Camel: write, then answer DROP. */
    private IngestBatch deadLetter(IngestBatch batch) {
        new DeadLetterStore(dataSource).write(batch.deadLetters());
        return batch.deadLettersWritten();
    }

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

    /** One delivery through the flow; returns once its markers (set after the reply) are written too. */
    private IngestBatch run(Deduplicator dedup, List<ObjectNode> sent) {
        IngestFlow flow = new IngestFlow(dedup, writer, new SimpleMeterRegistry());
        List<RawEntry> entries = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            entries.add(new RawEntry(i, "e" + i, sent.get(i), sent.get(i).toString(), null, null));
        }
        IngestBatch done = deadLetter(flow.store(flow.validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, entries))));
        dedup.awaitBackgroundWork(Duration.ofSeconds(10));
        return done;
    }

    /** DROP and CREATE ModelInferenceDetails from its own definition: a new, empty instance of the table. */
    private void recreateTable() {
        String before = tableUuid();
        String ddl = (String) rows.query("SELECT create_table_query FROM system.tables WHERE database = currentDatabase()"
                + " AND name = 'ModelInferenceDetails'").get(0).get(0);
        // not SYNC: a synchronous drop waits for every holder of the table (it hung once in the full suite); the Atomic
        // database frees the name at once and the new table gets a new uuid
        rows.execute("DROP TABLE ModelInferenceDetails");
        rows.execute(ddl);
        assertThat(tableUuid()).as("a new table instance").isNotEqualTo(before);
    }

    private String tableUuid() {
        return String.valueOf(rows.query("SELECT toString(uuid) FROM system.tables WHERE database = currentDatabase()"
                + " AND name = 'ModelInferenceDetails'").get(0).get(0));
    }

    /** As if the key set of the current table had been running for an hour (recent events may skip the check). */
    private void keySetRunningForAnHour(Deduplicator dedup) {
        redis.opsForValue().set(dedup.sinceKey(), dedup.sinceValue(System.currentTimeMillis() - Duration.ofHours(1).toMillis()));
    }

    private static List<String> ids(List<ObjectNode> sent) {
        return sent.stream().map(e -> e.get("inference_id").asText()).toList();
    }

    private static List<ObjectNode> copies(List<ObjectNode> sent) {
        return sent.stream().map(ObjectNode::deepCopy).toList();
    }

    private static LocalDateTime utc(long epochMillis) {
        return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    private static List<Outcome> outcomes(IngestBatch batch) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            outcomes.add(batch.outcome(i));
        }
        return outcomes;
    }

    @Test
    void eventsStoredInAnEarlierTableAreStoredAgainInItsNewInstance() {
        TableIdentity table = new TableIdentity(dataSource, BatchWriter.TABLE, Duration.ZERO);
        Deduplicator dedup = new Deduplicator(redis, prefix, DATABASE, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofSeconds(30), table::current);
        List<ObjectNode> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(events.event());
        }
        assertThat(outcomes(run(dedup, sent))).hasSize(200).containsOnly(Outcome.INSERTED);
        // Redis remembers them as stored
        assertThat(sent).allSatisfy(e -> assertThat(dedup.state(UUID.fromString(e.get("inference_id").asText())))
                .isEqualTo("d"));

        recreateTable();
        assertThat(rows.countsPerId(ids(sent))).isEmpty();
        IngestBatch again = run(dedup, copies(sent));
        assertThat(outcomes(again)).hasSize(200).containsOnly(Outcome.INSERTED);
        assertThat(rows.countsPerId(ids(sent))).hasSize(200).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));

        // and the table, not the marker, answers the next redelivery
        assertThat(outcomes(run(dedup, copies(sent)))).hasSize(200).containsOnly(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(ids(sent))).hasSize(200).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
    }

    @Test
    void aRecreatedTableStartsANewKeySetSoRecentEventsWithoutKeysAreChecked() {
        TableIdentity table = new TableIdentity(dataSource, BatchWriter.TABLE, Duration.ofHours(1));
        Deduplicator dedup = new Deduplicator(redis, prefix, DATABASE, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofSeconds(30), table::current);
        keySetRunningForAnHour(dedup);
        long now = System.currentTimeMillis();
        List<ObjectNode> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(events.event(utc(now - 2000 - i)));
        }
        // the table is replaced by one that already holds these events (a restore, another server's table), stored
        // without this Redis: no key says so, and the events are recent enough to skip the check in the old key set
        recreateTable();
        writer.insert(sent.stream().map(e -> new EventValidator().validate(e)).toList());
        // what the periodic check (INGEST_DEDUP_TABLE_CHECK) does in the background
        table.refresh();

        IngestBatch batch = run(dedup, copies(sent));
        assertThat(outcomes(batch)).hasSize(50).containsOnly(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(ids(sent))).hasSize(50).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        String since = redis.opsForValue().get(dedup.sinceKey());
        assertThat(Long.parseLong(since.substring(0, since.indexOf(' ')))).as("the new table's key set began now").isGreaterThanOrEqualTo(now);
        assertThat(since).endsWith(" " + tableUuid());
    }

    @Test
    void theTableIdentityFollowsTheTableInTheBackground() throws Exception {
        TableIdentity table = new TableIdentity(dataSource, BatchWriter.TABLE, Duration.ofMillis(50));
        assertThat(table.current()).isEqualTo(tableUuid());
        recreateTable();
        String recreated = tableUuid();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!table.current().equals(recreated) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(table.current()).isEqualTo(recreated);
        rows.execute("RENAME TABLE ModelInferenceDetails TO ModelInferenceDetails_away");
        try {
            table.refresh();
            assertThat(table.current()).isEqualTo("absent");
        } finally {
            rows.execute("RENAME TABLE ModelInferenceDetails_away TO ModelInferenceDetails");
        }
        table.refresh();
        assertThat(table.current()).as("a rename keeps the instance").isEqualTo(recreated);
    }

    @Test
    void aStoredKeyIsOnlyAHintAndTheKeySetBelongsToOneTable() {
        AtomicReference<String> table = new AtomicReference<>("table-a");
        Deduplicator dedup = new Deduplicator(redis, prefix + ":unit", DATABASE, Duration.ofSeconds(30), Duration.ofMillis(200),
                Duration.ofMinutes(10), Duration.ofSeconds(30), table::get);
        UUID stored = UUID.randomUUID();
        UUID released = UUID.randomUUID();
        UUID fresh = UUID.randomUUID();
        redis.opsForValue().set(dedup.key(stored), "d", Duration.ofMinutes(1));
        redis.opsForValue().set(dedup.key(released), "r", Duration.ofMinutes(1));
        // a stored key is reported for ClickHouse to confirm, not claimed and not a duplicate
        Deduplicator.Claims claims = dedup.claim(List.of(stored, released, fresh));
        assertThat(claims.acquired()).containsExactlyInAnyOrder(released, fresh);
        assertThat(claims.stored()).containsExactly(stored);
        assertThat(claims.busy()).isEmpty();
        assertThat(claims.unseen()).containsExactly(fresh);
        assertThat(dedup.state(stored)).isEqualTo("d");
        dedup.finish(claims, List.of());
        // ClickHouse has no row: the id is claimed over its marker, as one with an earlier attempt
        Deduplicator.Claims taken = dedup.claim(List.of(stored), Map.of(), true);
        assertThat(taken.acquired()).containsExactly(stored);
        assertThat(taken.stored()).isEmpty();
        assertThat(taken.unseen()).isEmpty();
        assertThat(dedup.state(stored)).startsWith("c:" + taken.token() + ":");
        dedup.finish(taken, List.of(stored));
        assertThat(dedup.state(stored)).isEqualTo("d");

        // the key set of table-a, running for an hour; another table starts its own now, and keeps it
        long hourAgo = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        redis.opsForValue().set(dedup.sinceKey(), hourAgo + " table-a");
        assertThat(dedup.claim(List.of(UUID.randomUUID())).sinceMillis()).isEqualTo(hourAgo);
        table.set("table-b");
        Deduplicator.Claims other = dedup.claim(List.of(UUID.randomUUID()));
        assertThat(other.sinceMillis()).isEqualTo(other.redisNowMillis());
        assertThat(dedup.claim(List.of(UUID.randomUUID())).sinceMillis()).isEqualTo(other.sinceMillis());
        assertThat(dedup.open()).isEqualTo(other.sinceMillis());
        // a value of the old format (no table) is no key set of this table
        redis.opsForValue().set(dedup.sinceKey(), Long.toString(hourAgo));
        Deduplicator.Claims reset = dedup.claim(List.of(UUID.randomUUID()));
        assertThat(reset.sinceMillis()).isEqualTo(reset.redisNowMillis());
        RedisKeys.deleteWithPrefix(redis, prefix + ":unit:");
    }

    @Test
    void oneCommandCommitsABatchAndItsKeyOutlivesTheKeysOfItsIds() throws Exception {
        Duration claimTtl = Duration.ofSeconds(1);
        Duration doneTtl = Duration.ofSeconds(20);
        Deduplicator dedup = new Deduplicator(redis, prefix + ":batch", DATABASE, claimTtl, Duration.ofMillis(300), doneTtl,
                Duration.ofSeconds(1), () -> "fixed");
        List<UUID> stored = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            stored.add(UUID.randomUUID());
        }
        UUID released = UUID.randomUUID();
        UUID ahead = UUID.randomUUID();
        long aheadArrival = System.currentTimeMillis() + 60_000;
        List<UUID> all = new ArrayList<>(stored);
        all.add(released);
        all.add(ahead);
        Deduplicator.Claims claims = dedup.claim(all, Map.of(ahead, aheadArrival), false);
        assertThat(claims.acquired()).containsExactlyInAnyOrderElementsOf(all);
        List<UUID> written = new ArrayList<>(stored);
        written.add(ahead);
        dedup.finish(claims, written);

        // past the claims' time: the committed ids read as stored, the released one is free again
        Thread.sleep(claimTtl.toMillis() + 300);
        assertThat(written).allSatisfy(id -> assertThat(dedup.state(id)).isEqualTo("d"));
        assertThat(dedup.state(released)).isEqualTo("r");
        Deduplicator.Claims again = dedup.claim(all);
        assertThat(again.stored()).containsExactlyInAnyOrderElementsOf(written);
        assertThat(again.acquired()).containsExactly(released);
        assertThat(again.unseen()).isEmpty();
        dedup.release(again);

        // the batch's key lives as long as the longest key of its stored ids: the one stamped a minute ahead
        long idKeyTtl = redis.getExpire(dedup.key(ahead));
        assertThat(idKeyTtl).isGreaterThan(doneTtl.toSeconds() + 50);
        assertThat(redis.getExpire(dedup.batchKey(claims.token()))).isGreaterThanOrEqualTo(idKeyTtl);

        // a batch whose rows were never stored (its writer died): once its claims run out, its ids are taken again,
        // as ids with an earlier attempt (ClickHouse is asked)
        UUID orphan = UUID.randomUUID();
        dedup.claim(List.of(orphan));
        Deduplicator.Claims busy = dedup.claim(List.of(orphan));
        assertThat(busy.busy()).containsExactly(orphan);
        Thread.sleep(claimTtl.toMillis() + 300);
        Deduplicator.Claims taken = dedup.claim(List.of(orphan));
        assertThat(taken.acquired()).containsExactly(orphan);
        assertThat(taken.unseen()).isEmpty();
        dedup.release(taken);
        RedisKeys.deleteWithPrefix(redis, prefix + ":batch:");
    }

    @Test
    void anEventStampedBeyondTheClockSkewGetsOneRowAlsoAfterAnOrdinaryKeyWouldHaveExpired() throws Exception {
        Duration doneTtl = Duration.ofSeconds(3);
        Duration skew = Duration.ofSeconds(1);
        Deduplicator dedup = new Deduplicator(redis, prefix, DATABASE, Duration.ofSeconds(1), Duration.ofSeconds(2), doneTtl, skew,
                () -> "fixed");
        keySetRunningForAnHour(dedup);
        long firstDelivery = System.currentTimeMillis();
        long arrival = firstDelivery + 5000;
        ObjectNode event = events.event(utc(arrival));
        UUID id = UUID.fromString(event.get("inference_id").asText());
        assertThat(run(dedup, List.of(event)).outcome(0)).isEqualTo(Outcome.INSERTED);
        // the key lasts until the arrival time (less the skew) plus the done TTL, not the done TTL from now
        long expected = (arrival - skew.toMillis() - System.currentTimeMillis()) / 1000 + doneTtl.toSeconds();
        assertThat(redis.getExpire(dedup.key(id))).isGreaterThanOrEqualTo(expected - 1);

        // re-sent once its arrival time (less the skew) has come, after an ordinary key would have expired: the event now
        // looks live and new, the case the fast path skips the check for
        Thread.sleep(Math.max(0, firstDelivery + doneTtl.toMillis() + 1500 - System.currentTimeMillis()));
        IngestBatch again = run(dedup, List.of(event.deepCopy()));
        assertThat(System.currentTimeMillis()).as("still inside the fast path's window").isLessThan(arrival - skew.toMillis() + doneTtl.toMillis());
        assertThat(again.outcome(0)).isEqualTo(Outcome.DUPLICATE);
        assertThat(rows.countsPerId(List.of(id.toString()))).containsExactly(Map.entry(id.toString(), 1L));
    }
}
