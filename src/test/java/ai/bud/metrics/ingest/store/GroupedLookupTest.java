package ai.bud.metrics.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.ingest.EventValidator;
import ai.bud.metrics.ingest.TestEvents;
import ai.bud.metrics.support.TestClickHouse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Existence checks asked while another one runs go to ClickHouse together, and each caller gets exactly those of its
 * own ids that have a row (the answer computed here from what the test stored, not from the lookup); a failure
 * reaches every caller of the query.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GroupedLookupTest {

    private static final String DATABASE = "ingest_grouped_lookup_test";

    private DataSource dataSource;
    private BatchWriter writer;
    private final TestEvents events = new TestEvents(23);
    private final EventValidator validator = new EventValidator();

    @BeforeAll
    void setUp() {
        dataSource = TestClickHouse.database(DATABASE);
        writer = new BatchWriter(dataSource, 30);
    }

    @AfterAll
    void tearDown() {
        writer.close();
    }

    @Test
    void checksAskedWhileOneRunsGoTogetherAndEachCallerGetsItsOwnIds() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> asked = new CopyOnWriteArrayList<>();
        GroupedLookup.Lookup real = ids -> {
            asked.add(ids.size());
            started.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return writer.existing(ids);
        };
        try (GroupedLookup lookups = new GroupedLookup(real, 20_000, Duration.ofSeconds(30))) {
            CompletableFuture<Set<UUID>> first = CompletableFuture.supplyAsync(() -> lookups.find(List.of(UUID.randomUUID())));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            List<List<UUID>> callers = new ArrayList<>();
            List<Set<UUID>> stored = new ArrayList<>();
            List<CompletableFuture<Set<UUID>>> answers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                List<UUID> ids = new ArrayList<>();
                List<InferenceEvent> toStore = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    InferenceEvent event = validator.validate(events.event());
                    ids.add(event.inferenceId());
                    if (i % 2 == c % 2) {
                        toStore.add(event);
                    }
                }
                writer.insert(toStore);
                callers.add(ids);
                stored.add(Set.copyOf(toStore.stream().map(InferenceEvent::inferenceId).toList()));
                answers.add(CompletableFuture.supplyAsync(() -> lookups.find(ids)));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (queued(lookups) < 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            gate.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEmpty();
            for (int c = 0; c < 4; c++) {
                assertThat(answers.get(c).get(30, TimeUnit.SECONDS)).isEqualTo(stored.get(c));
            }
            assertThat(asked).containsExactly(1, 20);
        }
    }

    @Test
    void aFailedQueryReachesEveryCallerOfIt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        GroupedLookup.Lookup failing = ids -> {
            started.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new StorageException("cannot check stored inference ids", new java.net.ConnectException("refused"), true);
        };
        try (GroupedLookup lookups = new GroupedLookup(failing, 20_000, Duration.ofSeconds(30))) {
            CompletableFuture<Set<UUID>> first = CompletableFuture.supplyAsync(() -> lookups.find(List.of(UUID.randomUUID())));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Set<UUID>> a = CompletableFuture.supplyAsync(() -> lookups.find(List.of(UUID.randomUUID())));
            CompletableFuture<Set<UUID>> b = CompletableFuture.supplyAsync(() -> lookups.find(List.of(UUID.randomUUID())));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (queued(lookups) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            gate.countDown();
            for (CompletableFuture<Set<UUID>> f : List.of(first, a, b)) {
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(StorageException.class)
                        .hasMessageContaining("cannot check");
            }
        }
    }

    /** More ids than one query may carry (ClickHouse's max_query_size): split, and every stored one found. */
    @Test
    void aCheckOfManyIdsFindsExactlyTheStoredOnes() {
        List<InferenceEvent> toStore = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            toStore.add(validator.validate(events.event()));
        }
        writer.insert(toStore);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            ids.add(UUID.randomUUID());
        }
        for (int i = 0; i < toStore.size(); i++) {
            ids.set(i * 1700, toStore.get(i).inferenceId());
        }
        assertThat(writer.existing(ids)).isEqualTo(Set.copyOf(toStore.stream().map(InferenceEvent::inferenceId).toList()));
    }

    private static int queued(GroupedLookup lookups) {
        return lookups.queued();
    }
}
