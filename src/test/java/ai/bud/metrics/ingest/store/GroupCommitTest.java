package ai.bud.metrics.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.ingest.EventValidator;
import ai.bud.metrics.ingest.Rows;
import ai.bud.metrics.ingest.TestEvents;
import ai.bud.metrics.support.TestClickHouse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Group commit on the real engine: batches that wait while an INSERT runs go out together in the next one, every
 * row stored once; a joint INSERT refused because of one batch's value stores the other batches and gives that
 * batch its own error; an ambiguous failure reaches every batch of the INSERT; a batch that cannot get its turn in
 * time fails as not written; under load the writer waits a little for more batches, never for a lone one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupCommitTest {

    private static final String DATABASE = "ingest_group_commit_test";

    private DataSource dataSource;
    private Rows rows;
    private RowInserter inserter;
    private final TestEvents events = new TestEvents(17);
    private final EventValidator validator = new EventValidator();

    @BeforeAll
    void setUp() {
        dataSource = TestClickHouse.database(DATABASE);
        rows = new Rows(dataSource);
        inserter = new RowInserter(dataSource, 30);
    }

    /** The real INSERT, recording what each one carried; the first waits until {@code gate} opens. */
    private final class Recording implements GroupCommit.Sender {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch gate;

        Recording(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public void send(byte[] body, String what) {
            sent.add(what);
            firstStarted.countDown();
            awaitQuietly(gate);
            inserter.insertRowBinary(BatchWriter.TABLE, RowBinaryRows.DETAILS_COLUMNS, body, what);
        }
    }

    /** Records what each INSERT carried and holds the {@code holdAt}-th send until {@code release} opens. */
    private static final class Holding implements GroupCommit.Sender {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final int holdAt;

        Holding(int holdAt) {
            this.holdAt = holdAt;
        }

        @Override
        public void send(byte[] body, String what) {
            sent.add(what);
            if (sent.size() == holdAt) {
                held.countDown();
                awaitQuietly(release);
            }
        }
    }

    private List<InferenceEvent> batch(int n) {
        List<InferenceEvent> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(validator.validate(events.event()));
        }
        return batch;
    }

    private static List<String> ids(List<InferenceEvent> batch) {
        return batch.stream().map(e -> e.inferenceId().toString()).toList();
    }

    private static CompletableFuture<Void> submit(GroupCommit commits, List<InferenceEvent> batch) {
        return CompletableFuture.runAsync(() -> commits.insert(RowBinaryRows.details(batch), batch.size()));
    }

    @Test
    void batchesWaitingWhileAnInsertRunsGoOutTogetherInTheNext() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Recording sender = new Recording(gate);
        try (GroupCommit commits = new GroupCommit(sender, 20_000, Duration.ofSeconds(30), 1)) {
            List<InferenceEvent> first = batch(3);
            CompletableFuture<Void> firstDone = submit(commits, first);
            assertThat(sender.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<List<InferenceEvent>> waiting = new ArrayList<>();
            List<CompletableFuture<Void>> waitingDone = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                List<InferenceEvent> batch = batch(2 + i);
                waiting.add(batch);
                waitingDone.add(submit(commits, batch));
            }
            // let the five batches reach the queue while the first INSERT is held
            waitUntilQueued(commits, 5);
            gate.countDown();
            firstDone.get(30, TimeUnit.SECONDS);
            for (CompletableFuture<Void> done : waitingDone) {
                done.get(30, TimeUnit.SECONDS);
            }
            int waitingRows = waiting.stream().mapToInt(List::size).sum();
            assertThat(sender.sent).containsExactly("3 events", waitingRows + " events of 5 batches");
            List<String> all = new ArrayList<>(ids(first));
            waiting.forEach(b -> all.addAll(ids(b)));
            assertThat(rows.countsPerId(all)).hasSize(all.size()).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        }
    }

    /**
     * Under load (the last INSERT joined several batches) the writer lingers: a batch that comes while it waits joins
     * the next INSERT. A writer that does not linger sends the first one alone.
     */
    @Test
    void underLoadTheWriterWaitsForTheBatchesThatFollow() throws Exception {
        assertThat(sentAfterLoad(Duration.ofSeconds(2))).containsExactly("1 events", "5 events of 2 batches", "7 events of 2 batches");
        assertThat(sentAfterLoad(Duration.ZERO)).containsExactly("1 events", "5 events of 2 batches", "3 events", "4 events");
    }

    /**
     * What the writer sends when one batch is held, two join behind it (load), and then a batch of 3 comes, followed
     * 300 ms later by one of 4. The sender records only (the grouping is under test; the other tests store for real).
     */
    private List<String> sentAfterLoad(Duration linger) throws Exception {
        Holding recorder = new Holding(1);
        try (GroupCommit commits = new GroupCommit(recorder, 20_000, Duration.ofSeconds(30), 1, linger)) {
            for (CompletableFuture<Void> done : behindAHeldInsert(commits, recorder, 2, 3)) {
                done.get(30, TimeUnit.SECONDS);
            }
            CompletableFuture<Void> three = submit(commits, batch(3));
            Thread.sleep(300);
            CompletableFuture<Void> four = submit(commits, batch(4));
            three.get(30, TimeUnit.SECONDS);
            four.get(30, TimeUnit.SECONDS);
        }
        return recorder.sent;
    }

    /** A lone batch is not held for the linger, and a group that reaches the row limit goes without waiting it out. */
    @Test
    void aLoneBatchAndAFullGroupDoNotWaitForTheLinger() throws Exception {
        Holding recorder = new Holding(2);
        Duration linger = Duration.ofSeconds(20);
        try (GroupCommit commits = new GroupCommit(recorder, 10, Duration.ofSeconds(60), 1, linger)) {
            // nothing joined before: the lone batch goes at once, far inside the linger
            submit(commits, batch(2)).get(10, TimeUnit.SECONDS);
            List<CompletableFuture<Void>> load = behindAHeldInsert(commits, recorder, 3, 3);
            // the group of two lingers for more: a batch of 4 fills it to the limit of 10, and it goes at once
            CompletableFuture<Void> filler = submit(commits, batch(4));
            for (CompletableFuture<Void> done : load) {
                done.get(10, TimeUnit.SECONDS);
            }
            filler.get(10, TimeUnit.SECONDS);
        }
        assertThat(recorder.sent).containsExactly("2 events", "1 events", "10 events of 3 batches");
    }

    /** A linger longer than a batch may wait for its turn is cut to a quarter of that wait: the batches are stored. */
    @Test
    void aLingerLongerThanTheWaitForATurnIsCutShort() throws Exception {
        Holding recorder = new Holding(1);
        try (GroupCommit commits = new GroupCommit(recorder, 20_000, Duration.ofSeconds(2), 1, Duration.ofSeconds(60))) {
            // lingering 60 s, the two would fail as not taken in time (or time out here); cut to 0.5 s, they are sent
            for (CompletableFuture<Void> done : behindAHeldInsert(commits, recorder, 2, 2)) {
                done.get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(recorder.sent).containsExactly("1 events", "4 events of 2 batches");
    }

    /**
     * Load: a batch of 1 whose INSERT {@code recorder} holds, batches of {@code sizes} queued behind it, then the hold
     * released; returns once the held INSERT is done, with the queued batches' futures.
     */
    private List<CompletableFuture<Void>> behindAHeldInsert(GroupCommit commits, Holding recorder, int... sizes) throws Exception {
        CompletableFuture<Void> holder = submit(commits, batch(1));
        assertThat(recorder.held.await(10, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int size : sizes) {
            queued.add(submit(commits, batch(size)));
        }
        waitUntilQueued(commits, sizes.length);
        recorder.release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        return queued;
    }

    /** Waits (at most 10 s) until {@code n} batches wait for their turn. */
    private static void waitUntilQueued(GroupCommit commits, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (commits.queued() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aJointInsertRefusedForOneBatchStoresTheOthersAndGivesThatBatchItsError() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Recording sender = new Recording(gate);
        try (GroupCommit commits = new GroupCommit(sender, 20_000, Duration.ofSeconds(30), 1)) {
            CompletableFuture<Void> holder = submit(commits, batch(1));
            assertThat(sender.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<InferenceEvent> good1 = batch(4);
            List<InferenceEvent> poisoned = new ArrayList<>(batch(2));
            poisoned.add(refusedByClickHouse());
            List<InferenceEvent> good2 = batch(3);
            CompletableFuture<Void> done1 = submit(commits, good1);
            CompletableFuture<Void> doneBad = submit(commits, poisoned);
            CompletableFuture<Void> done2 = submit(commits, good2);
            waitUntilQueued(commits, 3);
            gate.countDown();
            holder.get(30, TimeUnit.SECONDS);
            done1.get(30, TimeUnit.SECONDS);
            done2.get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> doneBad.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(StorageException.class, e -> {
                assertThat(e.dataRejected()).isTrue();
                assertThat(e.nothingWritten()).isTrue();
            });
            assertThat(sender.sent).contains("10 events of 3 batches", "4 events", "3 events", "3 events");
            List<String> stored = new ArrayList<>(ids(good1));
            stored.addAll(ids(good2));
            assertThat(rows.countsPerId(stored)).hasSize(7).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
            assertThat(rows.countsPerId(ids(poisoned))).isEmpty();
        }
    }

    /** Events of 150 months of arrival: more partitions than ClickHouse takes in one INSERT block by default. */
    private List<InferenceEvent> spanning150Months() {
        List<InferenceEvent> wide = new ArrayList<>();
        for (int month = 0; month < 150; month++) {
            wide.add(validator.validate(events.event(java.time.LocalDateTime.of(2012, 1, 1, 0, 0).plusMonths(month))));
        }
        return wide;
    }

    /** An event the validator would refuse, built directly: its JSON holds an integer ClickHouse's JSON type cannot. */
    private InferenceEvent refusedByClickHouse() {
        InferenceEvent valid = validator.validate(events.event());
        return new InferenceEvent(valid.inferenceId(), valid.projectId(), valid.endpointId(), valid.modelId(), valid.isSuccess(),
                valid.requestArrivalTime(), valid.requestForwardTime(), valid.cost(), valid.requestIp(),
                "{\"big\":123456789012345678901234567890}", null, null, null, null, null, null, null);
    }

    @Test
    void aBatchSpanningManyMonthsJoinedWithOthersIsStoredWithThem() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Recording sender = new Recording(gate);
        try (GroupCommit commits = new GroupCommit(sender, 20_000, Duration.ofSeconds(30), 1)) {
            CompletableFuture<Void> holder = submit(commits, batch(1));
            assertThat(sender.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<List<InferenceEvent>> joined = List.of(batch(5), spanning150Months(), batch(7));
            List<CompletableFuture<Void>> done = joined.stream().map(b -> submit(commits, b)).toList();
            waitUntilQueued(commits, 3);
            gate.countDown();
            holder.get(30, TimeUnit.SECONDS);
            for (CompletableFuture<Void> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
            assertThat(sender.sent).containsExactly("1 events", "162 events of 3 batches");
            List<String> all = new ArrayList<>();
            joined.forEach(b -> all.addAll(ids(b)));
            assertThat(rows.countsPerId(all)).hasSize(162).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        }
    }

    @Test
    void aRefusedEventFailsOnlyItsOwnBatchAlsoBesideABatchSpanningManyMonths() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Recording sender = new Recording(gate);
        try (GroupCommit commits = new GroupCommit(sender, 20_000, Duration.ofSeconds(30), 1)) {
            CompletableFuture<Void> holder = submit(commits, batch(1));
            assertThat(sender.firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<InferenceEvent> poisoned = new ArrayList<>(batch(3));
            poisoned.add(refusedByClickHouse());
            List<List<InferenceEvent>> good = List.of(batch(4), spanning150Months(), batch(6));
            CompletableFuture<Void> first = submit(commits, good.get(0));
            CompletableFuture<Void> wide = submit(commits, good.get(1));
            CompletableFuture<Void> bad = submit(commits, poisoned);
            CompletableFuture<Void> last = submit(commits, good.get(2));
            waitUntilQueued(commits, 4);
            gate.countDown();
            holder.get(30, TimeUnit.SECONDS);
            for (CompletableFuture<Void> future : List.of(first, wide, last)) {
                future.get(30, TimeUnit.SECONDS);
            }
            assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(StorageException.class, e -> {
                assertThat(e.dataRejected()).isTrue();
                assertThat(e.nothingWritten()).isTrue();
            });
            List<String> stored = new ArrayList<>();
            good.forEach(b -> stored.addAll(ids(b)));
            assertThat(rows.countsPerId(stored)).hasSize(160).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
            assertThat(rows.countsPerId(ids(poisoned))).isEmpty();
        }
    }

    @Test
    void anAmbiguousFailureReachesEveryBatchOfTheInsert() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> sent = new CopyOnWriteArrayList<>();
        GroupCommit.Sender lost = (body, what) -> {
            sent.add(what);
            if (sent.size() == 1) {
                held.countDown();
                awaitQuietly(release);
                return;
            }
            // the answer never came: the rows may or may not be stored
            throw new StorageException("no answer", new java.net.SocketTimeoutException("read timed out"), false);
        };
        try (GroupCommit commits = new GroupCommit(lost, 20_000, Duration.ofSeconds(30), 1)) {
            CompletableFuture<Void> first = submit(commits, batch(1));
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> a = submit(commits, batch(2));
            CompletableFuture<Void> b = submit(commits, batch(2));
            waitUntilQueued(commits, 2);
            release.countDown();
            first.get(30, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : List.of(a, b)) {
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.nothingWritten()).isFalse());
            }
            // never sent again one by one: that could store the rows twice
            assertThat(sent).containsExactly("1 events", "4 events of 2 batches");
        }
    }

    @Test
    void aBatchThatCannotGetItsTurnInTimeFailsAsNotWritten() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        List<String> sent = new CopyOnWriteArrayList<>();
        GroupCommit.Sender stuck = (body, what) -> {
            sent.add(what);
            held.countDown();
            awaitQuietly(release);
        };
        try (GroupCommit commits = new GroupCommit(stuck, 20_000, Duration.ofMillis(300), 1)) {
            CompletableFuture<Void> first = submit(commits, batch(1));
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> late = submit(commits, batch(1));
            Thread.sleep(600);
            release.countDown();
            first.get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> late.get(30, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(StorageException.class,
                    e -> assertThat(e.nothingWritten()).isTrue());
            assertThat(sent).containsExactly("1 events");
        }
    }
}
