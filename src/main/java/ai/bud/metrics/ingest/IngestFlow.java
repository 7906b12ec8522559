package ai.bud.metrics.ingest;

import ai.bud.metrics.ingest.DeadLetterStore.DeadLetter;
import ai.bud.metrics.web.FieldError;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of the shared ingest route ({@code direct:ingest}, routes/ingest-http.camel.yaml): validate each
 * entry, dead-letter the invalid ones, store the valid ones exactly once. Each step takes the
 * {@link IngestBatch} and returns it with more outcomes filled in.
 */
public class IngestFlow implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngestFlow.class);

    private final EventValidator validator = new EventValidator();
    private final DeadLetterStore deadLetters;
    private final Deduplicator deduplicator;
    private final BatchWriter writer;
    private final MeterRegistry meters;
    /** Runs the existence checks sent while the claims are taken (one per batch in flight). */
    private final ExecutorService checks = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "ingest-existence-check");
        thread.setDaemon(true);
        return thread;
    });

    public IngestFlow(DeadLetterStore deadLetters, Deduplicator deduplicator, BatchWriter writer, MeterRegistry meters) {
        this.deadLetters = deadLetters;
        this.deduplicator = deduplicator;
        this.writer = writer;
        this.meters = meters;
    }

    public IngestBatch validate(IngestBatch batch) {
        for (int i = 0; i < batch.size(); i++) {
            RawEntry entry = batch.entry(i);
            if (entry.decodeError() != null) {
                int colon = entry.decodeError().indexOf(':');
                String field = colon > 0 ? entry.decodeError().substring(0, colon) : "event";
                String message = colon > 0 ? entry.decodeError().substring(colon + 1).strip() : entry.decodeError();
                batch.reject(i, entry.decodeError(), List.of(new FieldError(field, message)));
                continue;
            }
            try {
                batch.accept(i, validator.validate(entry.fields()));
            } catch (InvalidEventException e) {
                batch.reject(i, e.getMessage(), e.errors());
            }
        }
        return batch;
    }

    /** Writes the invalid entries to the dead-letter table; if that fails they are answered RETRY, not DROP. */
    public IngestBatch deadLetter(IngestBatch batch) {
        List<Integer> invalid = new ArrayList<>();
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            if (batch.outcome(i) == Outcome.INVALID && !batch.deadLettered(i)) {
                RawEntry entry = batch.entry(i);
                invalid.add(i);
                letters.add(new DeadLetter(batch.source(), entry.reference(), entry.index(), entry.entryId(),
                        EventValidator.reportedId(entry.fields()), batch.error(i), entry.payload()));
            }
        }
        if (letters.isEmpty()) {
            return batch;
        }
        try {
            deadLetters.write(letters);
            invalid.forEach(batch::markDeadLettered);
        } catch (StorageException e) {
            log.warn("{} invalid entries not dead-lettered, answered RETRY: {}", letters.size(), e.getMessage());
        }
        return batch;
    }

    /**
     * Stores the valid entries, one row per inference_id: repeats inside the batch are duplicates of their
     * first occurrence; the first occurrences go through the Redis claims, the ClickHouse existence check and
     * one INSERT. Whatever cannot be decided or stored is RETRY.
     */
    public IngestBatch store(IngestBatch batch) {
        Map<UUID, Integer> first = new LinkedHashMap<>();
        List<int[]> repeats = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            InferenceEvent event = batch.event(i);
            if (event == null) {
                continue;
            }
            Integer earlier = first.putIfAbsent(event.inferenceId(), i);
            if (earlier != null) {
                repeats.add(new int[] {i, earlier});
            }
        }
        if (!first.isEmpty()) {
            storeUnique(batch, first);
        }
        for (int[] repeat : repeats) {
            Outcome original = batch.outcome(repeat[1]);
            if (original == Outcome.INVALID) {
                batch.reject(repeat[0], batch.error(repeat[1]), batch.fieldErrors(repeat[1]));
            } else {
                batch.set(repeat[0], original == Outcome.RETRY ? Outcome.RETRY : Outcome.DUPLICATE);
            }
        }
        // events ClickHouse refused to store are dead-lettered like invalid ones
        return deadLetter(batch);
    }

    private void storeUnique(IngestBatch batch, Map<UUID, Integer> first) {
        long t0 = System.nanoTime();
        // The existence check is sent while the claims are taken (see earlyCheckUsable for when its answer counts)
        CompletableFuture<Set<UUID>> early = deduplicator.markersEnabled() ? startExistenceCheck(first.keySet()) : null;
        Deduplicator.Claims claims;
        try {
            claims = deduplicator.claim(first.keySet());
        } catch (StorageException e) {
            log.warn("dedup claims failed, {} entries answered RETRY: {}", first.size(), e.getMessage());
            first.values().forEach(i -> batch.set(i, Outcome.RETRY));
            awaitQuietly(early);
            return;
        }
        claims.done().forEach(id -> batch.set(first.get(id), Outcome.DUPLICATE));
        claims.busy().forEach(id -> batch.set(first.get(id), Outcome.RETRY));
        if (claims.acquired().isEmpty()) {
            awaitQuietly(early);
            return;
        }
        Set<UUID> stored = new HashSet<>();
        long t1 = System.nanoTime();
        long t2 = t1;
        long t3 = t1;
        try {
            Set<UUID> existing = existing(claims, early, t0);
            t2 = System.nanoTime();
            List<InferenceEvent> fresh = new ArrayList<>();
            for (UUID id : claims.acquired()) {
                if (existing.contains(id)) {
                    batch.set(first.get(id), Outcome.DUPLICATE);
                } else {
                    fresh.add(batch.event(first.get(id)));
                }
            }
            stored.addAll(existing);
            for (InferenceEvent event : insertIsolatingRejects(fresh, batch, first)) {
                batch.set(first.get(event.inferenceId()), Outcome.INSERTED);
                stored.add(event.inferenceId());
            }
            t3 = System.nanoTime();
        } catch (StorageException e) {
            log.warn("storing {} events failed, answered RETRY: {}", claims.acquired().size(), e.getMessage());
            for (UUID id : claims.acquired()) {
                if (batch.outcome(first.get(id)) == null) {
                    batch.set(first.get(id), Outcome.RETRY);
                }
            }
            if (e.nothingWritten()) {
                releaseQuietly(claims);
            }
            // otherwise the claims expire: the write may still land, and nobody may check before it has
            return;
        }
        // markers and claim release after the reply (the rows are stored; until then the ids stay claimed)
        deduplicator.finishInBackground(claims, stored);
        if (log.isDebugEnabled()) {
            log.debug("stored {} of {} ids: claims {} ms, existence check (after claims) {} ms, insert {} ms", stored.size(), first.size(),
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        }
    }

    /**
     * The acquired ids that already have a row. The answer of the early check (sent before the claims were taken)
     * is used for the ids acquired by the first claim script, when it is younger than {@link #earlyCheckUsable};
     * every other acquired id is checked now, under its claim.
     */
    private Set<UUID> existing(Deduplicator.Claims claims, CompletableFuture<Set<UUID>> early, long sentNanos) {
        Set<UUID> earlyAnswer = null;
        if (early != null) {
            earlyAnswer = await(early);
            if (!earlyCheckUsable(sentNanos, claims.firstAnswerNanos())) {
                earlyAnswer = null;
            }
        }
        Set<UUID> existing = new HashSet<>();
        List<UUID> now = new ArrayList<>();
        for (UUID id : claims.acquired()) {
            if (earlyAnswer != null && claims.acquiredAtOnce().contains(id)) {
                if (earlyAnswer.contains(id)) {
                    existing.add(id);
                }
            } else {
                now.add(id);
            }
        }
        if (!now.isEmpty()) {
            existing.addAll(writer.existing(now));
        }
        return existing;
    }

    /**
     * Whether a check sent at {@code sentNanos} still tells the truth for ids whose claims were taken at once by the
     * script that answered at {@code claimedNanos}. A row can only be written by the holder of its id's claim. A
     * holder that finished before our claim left a done marker (so we would have found the id done, not free); a
     * holder that crashed after inserting kept its claim until it expired, which is at least half the claim TTL
     * after its insert had to be over (inserts are bounded by half the TTL). So if no more than half the claim TTL
     * (and less than the marker TTL) separates sending the check from taking the claim, no row can have appeared
     * in between without us seeing a marker or a claim. Holds only with markers; without them the check runs after
     * the claims, as before.
     */
    boolean earlyCheckUsable(long sentNanos, long claimedNanos) {
        long window = Math.min(deduplicator.claimTtl().toNanos() / 2, deduplicator.doneTtl().toNanos());
        return claimedNanos - sentNanos < window;
    }

    private CompletableFuture<Set<UUID>> startExistenceCheck(Set<UUID> ids) {
        List<UUID> copy = List.copyOf(ids);
        try {
            return CompletableFuture.supplyAsync(() -> writer.existing(copy), checks);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    private static Set<UUID> await(CompletableFuture<Set<UUID>> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while checking stored inference ids", e, true);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException storage) {
                throw storage;
            }
            throw new StorageException("cannot check stored inference ids", e.getCause(), true);
        }
    }

    private static void awaitQuietly(CompletableFuture<Set<UUID>> future) {
        if (future != null) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException ignored) {
                // the answer is not needed any more
            }
        }
    }

    /** Stops the threads of the early existence checks. */
    @Override
    public void close() {
        checks.shutdown();
    }

    /**
     * Inserts the events; when ClickHouse refuses some values (not the storage, the data), halves the batch until
     * the refused events are alone, rejects those (dead-lettered with ClickHouse's reason) and stores the rest —
     * so one odd event never blocks a batch (or a stream) forever. Returns the events stored.
     */
    private List<InferenceEvent> insertIsolatingRejects(List<InferenceEvent> events, IngestBatch batch, Map<UUID, Integer> first) {
        if (events.isEmpty()) {
            return events;
        }
        try {
            writer.insert(events);
            return events;
        } catch (StorageException e) {
            if (!e.dataRejected()) {
                throw e;
            }
            if (events.size() == 1) {
                int i = first.get(events.get(0).inferenceId());
                String reason = "rejected by ClickHouse: " + e.reason();
                batch.reject(i, reason, List.of(new FieldError("event", reason)));
                log.warn("event {} rejected by ClickHouse, dead-lettered: {}", events.get(0).inferenceId(), e.reason());
                return List.of();
            }
            int half = events.size() / 2;
            List<InferenceEvent> stored = new ArrayList<>(insertIsolatingRejects(events.subList(0, half), batch, first));
            stored.addAll(insertIsolatingRejects(events.subList(half, events.size()), batch, first));
            return stored;
        }
    }

    private void releaseQuietly(Deduplicator.Claims claims) {
        try {
            deduplicator.release(claims);
        } catch (RuntimeException e) {
            log.warn("dedup claims not released ({}); they expire after {}", e.getMessage(), deduplicator.claimTtl());
        }
    }

    /** Counts the outcomes ({@code budmetrics_ingest_entries_total{source,outcome}}). */
    public IngestBatch account(IngestBatch batch) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            String outcome = batch.outcome(i) == Outcome.INVALID && !batch.deadLettered(i) ? "retry"
                    : String.valueOf(batch.outcome(i)).toLowerCase(java.util.Locale.ROOT);
            counts.merge(outcome, 1, Integer::sum);
        }
        counts.forEach((outcome, n) -> meters.counter("budmetrics.ingest.entries", "source", batch.source(), "outcome", outcome).increment(n));
        return batch;
    }
}
