package ai.bud.metrics.ingest.edge;

import java.util.List;

/**
 * Dapr's bulk delivery {@code {"entries": [...], "id", "pubsubname", "topic", "type", "metadata"}} — sent by
 * Dapr's bulk subscribe, and also carried as the {@code data} of the CloudEvent the gateway publishes.
 */
public record DaprBulkEnvelope(String id, String pubsubname, String topic, String type, List<BulkEntry> entries) {
}
