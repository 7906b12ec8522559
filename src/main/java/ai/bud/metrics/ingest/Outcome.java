package ai.bud.metrics.ingest;

/** What became of one entry. */
public enum Outcome {
    /** Stored now. */
    INSERTED,
    /** Its inference_id was already stored (or stored by an earlier entry of the same delivery). */
    DUPLICATE,
    /** Broke a field rule; written to the dead-letter table. */
    INVALID,
    /** Valid, but a route dropped it on purpose (e.g. a filter on its project): not stored, answered SUCCESS. */
    DROPPED,
    /** Not stored this time (storage down, or the id is being written by another writer): deliver again. */
    RETRY
}
