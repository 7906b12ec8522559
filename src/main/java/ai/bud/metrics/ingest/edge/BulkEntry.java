package ai.bud.metrics.ingest.edge;

import com.fasterxml.jackson.databind.JsonNode;

/** One entry of a Dapr bulk envelope: {@code {"entryId", "event", "contentType", "metadata"}}. */
public record BulkEntry(String entryId, JsonNode event, String contentType) {
}
