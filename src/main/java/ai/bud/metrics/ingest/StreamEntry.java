package ai.bud.metrics.ingest;

/** One Redis stream entry as Dapr writes it: the entry id and its {@code data} field (the CloudEvent JSON). */
public record StreamEntry(String id, String data) {
}
