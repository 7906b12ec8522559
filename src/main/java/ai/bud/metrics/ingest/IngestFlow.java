package ai.bud.metrics.ingest;

import ai.bud.metrics.errors.FieldError;
import ai.bud.metrics.ingest.dedup.Deduplicator;
import ai.bud.metrics.ingest.store.BatchWriter;
import ai.bud.metrics.ingest.store.DeadLetterStore.DeadLetter;
import ai.bud.metrics.ingest.store.InferenceEvent;
import ai.bud.metrics.ingest.store.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of the shared ingest route ({@code direct:ingest}, routes/ingest-http.camel.yaml): validate each
 * entry, store the valid ones exactly once, and what became of the dead letters the route wrote (routes/dead-letter.camel.yaml).
 * Each step takes the {@link IngestBatch} and returns it with more outcomes filled in.
 */
public class IngestFlow {

    private static final Logger log = LoggerFactory.getLogger(IngestFlow.class);

    private final EventValidator validator = new EventValidator();
    private final Deduplicator deduplicator;
    private final BatchWriter writer;
    private final MeterRegistry meters;

    public IngestFlow(Deduplicator deduplicator, BatchWriter writer, MeterRegistry meters) {
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

    /**
     * The dead-letter route ({@code direct:dead-letter}) wrote {@link IngestBatch#deadLetters()}: those entries are
     * answered DROP.
     */
    public IngestBatch deadLettered(IngestBatch batch) {
        return batch.deadLettersWritten();
    }

    /**
     * The dead-letter write failed: the entries stay undecided, answered RETRY (their sender delivers them again and
     * the next attempt writes their dead letters), never DROP without a row.
     */
    public IngestBatch deadLetterFailed(IngestBatch batch, Exception error) {
        log.warn("{} rejected entries not dead-lettered, answered RETRY: {}", batch.deadLetters().size(),
                error == null ? "no error" : error.getMessage());
        return batch;
    }

    /**
     * Stores the valid entries, one row per inference_id: repeats inside the batch are duplicates of their
     * first occurrence; the first occurrences go through the Redis claims, the ClickHouse existence check and
     * one INSERT. Whatever cannot be decided or stored is RETRY; an event ClickHouse refuses is rejected (INVALID, for the
     * dead-letter step). Events a route dropped are left alone.
     */
    public IngestBatch store(IngestBatch batch) {
        long started = System.nanoTime();
        try {
            return storeTimed(batch);
        } finally {
            // budmetrics_ingest_store_seconds{source}: claims, existence check and insert of one batch (SPEC §6b)
            meters.timer("budmetrics.ingest.store", "source", batch.source()).record(System.nanoTime() - started,
                    java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private IngestBatch storeTimed(IngestBatch batch) {
        Map<UUID, Integer> first = new LinkedHashMap<>();
        List<int[]> repeats = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            InferenceEvent event = batch.event(i);
            if (event == null || batch.outcome(i) == Outcome.DROPPED) {
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
                batch.rejectLike(repeat[0], repeat[1]);
            } else {
                batch.set(repeat[0], original == Outcome.RETRY ? Outcome.RETRY : Outcome.DUPLICATE);
            }
        }
        // events ClickHouse refused to store are rejected like invalid ones: the route dead-letters them all after this step
        return batch;
    }

    /**
     * The first occurrences: claimed; those whose key says stored are confirmed in ClickHouse without a claim (a
     * duplicate costs a check, never a wait for other writers), and claimed after all if their row is missing (the
     * key outlived its table: Redis is a hint, the table is the truth).
     */
    private void storeUnique(IngestBatch batch, Map<UUID, Integer> first) {
        Map<UUID, Long> ahead = stampedAhead(batch, first);
        Deduplicator.Claims claims = claim(batch, first, first.keySet(), ahead, false);
        if (claims == null) {
            return;
        }
        Set<UUID> missing = Set.of();
        if (!claims.stored().isEmpty()) {
            try {
                meters.counter("budmetrics.ingest.existence.checks", "result", "asked").increment(claims.stored().size());
                Set<UUID> existing = writer.existing(claims.stored());
                existing.forEach(id -> batch.set(first.get(id), Outcome.DUPLICATE));
                missing = new HashSet<>(claims.stored());
                missing.removeAll(existing);
            } catch (StorageException e) {
                log.warn("existence check failed, {} entries answered RETRY: {}", claims.stored().size(), e.getMessage());
                claims.stored().forEach(id -> batch.set(first.get(id), Outcome.RETRY));
            }
        }
        storeClaimed(batch, first, claims);
        if (!missing.isEmpty()) {
            log.info("{} ids marked stored in Redis have no row in {} (a replaced table?): storing them", missing.size(), BatchWriter.TABLE);
            Deduplicator.Claims again = claim(batch, first, missing, ahead, true);
            if (again != null) {
                storeClaimed(batch, first, again);
            }
        }
    }

    /** Claims {@code ids}; those held by another writer are RETRY. Null (all RETRY) when Redis failed. */
    private Deduplicator.Claims claim(IngestBatch batch, Map<UUID, Integer> first, Set<UUID> ids, Map<UUID, Long> ahead,
            boolean takeStored) {
        try {
            Deduplicator.Claims claims = deduplicator.claim(ids, ahead, takeStored);
            claims.busy().forEach(id -> batch.set(first.get(id), Outcome.RETRY));
            return claims;
        } catch (StorageException e) {
            log.warn("dedup claims failed, {} entries answered RETRY: {}", ids.size(), e.getMessage());
            ids.forEach(id -> batch.set(first.get(id), Outcome.RETRY));
            return null;
        }
    }

    /** Checks (where a row could exist), inserts and finishes the ids {@code claims} acquired. */
    private void storeClaimed(IngestBatch batch, Map<UUID, Integer> first, Deduplicator.Claims claims) {
        if (claims.acquired().isEmpty()) {
            return;
        }
        Set<UUID> stored = new HashSet<>();
        long t1 = System.nanoTime();
        long t2 = t1;
        long t3 = t1;
        int checked = 0;
        try {
            // ClickHouse is asked only about the ids that could have a row (see Deduplicator#provenUnseen)
            List<UUID> toCheck = new ArrayList<>();
            for (UUID id : claims.acquired()) {
                if (!deduplicator.provenUnseen(claims, id, arrivalMillis(batch.event(first.get(id))))) {
                    toCheck.add(id);
                }
            }
            checked = toCheck.size();
            Set<UUID> existing = toCheck.isEmpty() ? Set.of() : writer.existing(toCheck);
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
        meters.counter("budmetrics.ingest.existence.checks", "result", "asked").increment(checked);
        meters.counter("budmetrics.ingest.existence.checks", "result", "skipped").increment(claims.acquired().size() - checked);
        // markers and claim release after the reply (the rows are stored; until then the ids stay claimed)
        deduplicator.finishInBackground(claims, stored);
        if (log.isDebugEnabled()) {
            log.debug("stored {} of {} claimed ids: existence check of {} ids {} ms, insert {} ms", stored.size(), claims.acquired().size(),
                    checked, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
        }
    }

    /**
     * The arrival times of the events stamped later than this service's clock: their dedup keys must last until then
     * (see Deduplicator#claim). Live events were stamped before they reached the service, so this is usually empty.
     */
    private static Map<UUID, Long> stampedAhead(IngestBatch batch, Map<UUID, Integer> first) {
        long now = System.currentTimeMillis();
        Map<UUID, Long> ahead = null;
        for (Map.Entry<UUID, Integer> entry : first.entrySet()) {
            long arrival = arrivalMillis(batch.event(entry.getValue()));
            if (arrival > now) {
                if (ahead == null) {
                    ahead = new HashMap<>();
                }
                ahead.put(entry.getKey(), arrival);
            }
        }
        return ahead == null ? Map.of() : ahead;
    }

    private static long arrivalMillis(InferenceEvent event) {
        return event.requestArrivalTime().toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /**
     * Inserts the events; when ClickHouse refuses some values (not the storage, the data), halves the batch until
     * the refused events are alone, rejects those and stores the rest — so one odd event never blocks a batch (or a
     * stream) forever. A refused event is answered with an error id only; its dead letter and the log keep
     * ClickHouse's reason under that id (no engine text in replies). Returns the events stored.
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
                String errorId = UUID.randomUUID().toString();
                String reason = "rejected by storage; see error id " + errorId;
                batch.reject(i, reason, List.of(new FieldError("event", reason)), reason + ": " + e.reason());
                log.warn("event {} rejected by ClickHouse (error id {}), dead-lettered: {}", events.get(0).inferenceId(), errorId,
                        e.reason());
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

    /**
     * The dead-letter route wrote these letters (whoever sent them: this flow, or the stream consumer's delivery limit):
     * {@code budmetrics_ingest_dead_letters_total{source}}.
     */
    public void countDeadLetters(List<DeadLetter> written) {
        Map<String, Integer> counts = new HashMap<>();
        written.forEach(letter -> counts.merge(letter.source(), 1, Integer::sum));
        counts.forEach((source, n) -> meters.counter("budmetrics.ingest.dead.letters", "source", source).increment(n));
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
