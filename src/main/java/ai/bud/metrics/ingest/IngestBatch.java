package ai.bud.metrics.ingest;

import ai.bud.metrics.errors.FieldError;
import ai.bud.metrics.ingest.store.DeadLetterStore.DeadLetter;
import ai.bud.metrics.ingest.store.InferenceEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The unit the ingest flow works on: the entries of one delivery (HTTP) or of one stream read (Redis), and
 * what became of each. Steps of the flow fill it in; {@link #status(int)} is Dapr's answer per entry.
 *
 * <p>What routes read of it ({@code simple}: {@code ${body.deadLetters}}, {@code ${body.storedEvents}}): the dead
 * letters still to write, and the events this delivery stored, each as a map of its ModelInferenceDetails columns
 * ({@link StoredEvent}). Both are built only when a route asks for them.
 */
public final class IngestBatch {

    private final String source;
    private final DeliveryKind kind;
    private final List<RawEntry> entries;
    private final InferenceEvent[] events;
    private final Outcome[] outcomes;
    private final String[] errors;
    private final String[] deadLetterErrors;
    private final List<?>[] fieldErrors;
    private final boolean[] deadLettered;

    public IngestBatch(String source, DeliveryKind kind, List<RawEntry> entries) {
        this.source = source;
        this.kind = kind;
        this.entries = List.copyOf(entries);
        int n = this.entries.size();
        this.events = new InferenceEvent[n];
        this.outcomes = new Outcome[n];
        this.errors = new String[n];
        this.deadLetterErrors = new String[n];
        this.fieldErrors = new List<?>[n];
        this.deadLettered = new boolean[n];
    }

    public static IngestBatch of(String source, Delivery delivery) {
        return new IngestBatch(source, delivery.kind(), delivery.entries());
    }

    public String source() {
        return source;
    }

    public DeliveryKind kind() {
        return kind;
    }

    public List<RawEntry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    public RawEntry entry(int i) {
        return entries.get(i);
    }

    public InferenceEvent event(int i) {
        return events[i];
    }

    public Outcome outcome(int i) {
        return outcomes[i];
    }

    /** Why entry {@code i} was rejected, as the reply says it. */
    public String error(int i) {
        return errors[i];
    }

    /** Why entry {@code i} was rejected, as its dead letter keeps it (with what the reply leaves out, e.g. ClickHouse's text). */
    public String deadLetterError(int i) {
        return deadLetterErrors[i] != null ? deadLetterErrors[i] : errors[i];
    }

    @SuppressWarnings("unchecked")
    public List<FieldError> fieldErrors(int i) {
        return fieldErrors[i] == null ? List.of() : (List<FieldError>) fieldErrors[i];
    }

    public boolean deadLettered(int i) {
        return deadLettered[i];
    }

    void accept(int i, InferenceEvent event) {
        events[i] = event;
    }

    void reject(int i, String error, List<FieldError> errors) {
        reject(i, error, errors, null);
    }

    /** Rejects entry {@code i}; its dead letter records {@code deadLetterError} instead of {@code error} when given. */
    void reject(int i, String error, List<FieldError> errors, String deadLetterError) {
        outcomes[i] = Outcome.INVALID;
        this.errors[i] = error;
        this.deadLetterErrors[i] = deadLetterError;
        this.fieldErrors[i] = List.copyOf(errors);
    }

    /** Rejects entry {@code i} for the reason entry {@code original} was rejected (a repeat of the same id). */
    void rejectLike(int i, int original) {
        reject(i, errors[original], fieldErrors(original), deadLetterErrors[original]);
    }

    void markDeadLettered(int i) {
        deadLettered[i] = true;
    }

    /** The rejected entries whose dead letter is not written yet: the body the dead-letter route takes. */
    public List<DeadLetter> deadLetters() {
        List<DeadLetter> letters = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == Outcome.INVALID && !deadLettered[i]) {
                RawEntry entry = entries.get(i);
                letters.add(new DeadLetter(source, entry.reference(), entry.index(), entry.entryId(), EventValidator.reportedId(entry.fields()),
                        deadLetterError(i), entry.payload()));
            }
        }
        return letters;
    }

    /** Whether any rejected entry still waits for its dead letter (cheap: no list is built). */
    public boolean hasDeadLetters() {
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == Outcome.INVALID && !deadLettered[i]) {
                return true;
            }
        }
        return false;
    }

    /** The dead letters of {@link #deadLetters()} are written: those entries are answered DROP from now on. */
    public IngestBatch deadLettersWritten() {
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == Outcome.INVALID) {
                deadLettered[i] = true;
            }
        }
        return this;
    }

    /** The events this delivery stored (INSERTED; not the duplicates), each as its ModelInferenceDetails row. */
    public List<Map<String, Object>> storedEvents() {
        List<Map<String, Object>> stored = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == Outcome.INSERTED) {
                stored.add(StoredEvent.columns(events[i]));
            }
        }
        return stored;
    }

    /** Entry {@code i} was dropped by a route on purpose: not stored, answered SUCCESS. */
    void drop(int i) {
        outcomes[i] = Outcome.DROPPED;
    }

    void set(int i, Outcome outcome) {
        outcomes[i] = outcome;
    }

    public long count(Outcome outcome) {
        return Arrays.stream(outcomes).filter(o -> o == outcome).count();
    }

    /** SUCCESS for stored, duplicate or dropped by a route, DROP for invalid and dead-lettered, RETRY otherwise. */
    public String status(int i) {
        Outcome outcome = outcomes[i];
        if (outcome == Outcome.INSERTED || outcome == Outcome.DUPLICATE || outcome == Outcome.DROPPED) {
            return "SUCCESS";
        }
        if (outcome == Outcome.INVALID && deadLettered[i]) {
            return "DROP";
        }
        return "RETRY";
    }

    public long retries() {
        int n = 0;
        for (int i = 0; i < outcomes.length; i++) {
            if ("RETRY".equals(status(i))) {
                n++;
            }
        }
        return n;
    }
}
