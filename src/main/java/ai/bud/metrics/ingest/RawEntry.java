package ai.bud.metrics.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event as delivered, before validation.
 *
 * @param index       0-based position in the delivery's {@code entries} (0 for a single event)
 * @param entryId     Dapr's entryId, when the delivery had one
 * @param fields      the event's fields (the CloudEvent's data already unwrapped); null when undecodable
 * @param payload     the entry as received, kept for the dead-letter table
 * @param decodeError why the entry could not even be decoded, or null
 * @param reference   where it came from (the Redis stream entry id), or null
 */
public record RawEntry(int index, String entryId, JsonNode fields, String payload, String decodeError, String reference) {

    static RawEntry undecodable(int index, String entryId, String payload, String error, String reference) {
        return new RawEntry(index, entryId, null, payload, error, reference);
    }
}
