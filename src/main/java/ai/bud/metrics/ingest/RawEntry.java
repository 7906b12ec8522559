package ai.bud.metrics.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event as delivered, before validation.
 *
 * <p>{@code index}: 0-based position in the delivery's {@code entries} (0 for a single event); {@code entryId}:
 * Dapr's entryId, when the delivery had one; {@code fields}: the event's fields (the CloudEvent's data already
 * unwrapped), null when undecodable; {@code payload}: the entry as received, kept for the dead-letter table;
 * {@code decodeError}: why the entry could not even be decoded, or null; {@code reference}: where it came from (the
 * Redis stream entry id), or null.
 *
 * <p>The payload of an entry that arrived as a JSON object is rendered from its parsed tree only when someone asks
 * for it (a dead letter): valid entries, nearly all of them, never pay for writing their JSON again.
 */
public final class RawEntry {

    private final int index;
    private final String entryId;
    private final JsonNode fields;
    private final String decodeError;
    private final String reference;
    private JsonNode payloadNode;
    private String payload;

    public RawEntry(int index, String entryId, JsonNode fields, String payload, String decodeError, String reference) {
        this.index = index;
        this.entryId = entryId;
        this.fields = fields;
        this.payload = payload;
        this.decodeError = decodeError;
        this.reference = reference;
    }

    /** An entry whose payload is the JSON of {@code payloadNode}, written when first asked for. */
    public static RawEntry of(int index, String entryId, JsonNode fields, JsonNode payloadNode, String reference) {
        RawEntry entry = new RawEntry(index, entryId, fields, null, null, reference);
        entry.payloadNode = payloadNode;
        return entry;
    }

    public static RawEntry undecodable(int index, String entryId, String payload, String error, String reference) {
        return new RawEntry(index, entryId, null, payload, error, reference);
    }

    public int index() {
        return index;
    }

    public String entryId() {
        return entryId;
    }

    public JsonNode fields() {
        return fields;
    }

    public String payload() {
        if (payload == null && payloadNode != null) {
            payload = payloadNode.toString();
            payloadNode = null;
        }
        return payload;
    }

    public String decodeError() {
        return decodeError;
    }

    public String reference() {
        return reference;
    }

    @Override
    public String toString() {
        return "RawEntry[index=" + index + ", entryId=" + entryId + ", decodeError=" + decodeError + ", reference=" + reference + "]";
    }
}
