package ai.bud.metrics.ingest;

/** Which of SPEC section 3's body shapes a delivery had; it decides the reply's form. */
public enum DeliveryKind {
    /** Dapr bulk envelope at the top level: answered with per-entry {@code statuses}. */
    DAPR_BULK,
    /** A CloudEvent whose data is one event: answered {@code {"status": …}}. */
    CLOUD_EVENT,
    /** A CloudEvent whose data is a bulk envelope (what the gateway publishes): {@code status} and {@code statuses}. */
    CLOUD_EVENT_BULK,
    /** The event's fields posted directly (Dapr with rawPayload, or a plain HTTP client): answered {@code {"status": …}}. */
    RAW
}
