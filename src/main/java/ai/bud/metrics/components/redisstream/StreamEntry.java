package ai.bud.metrics.components.redisstream;

/** One Redis stream entry as Dapr writes it: the entry id and its {@code data} field (the CloudEvent JSON). */
public record StreamEntry(String id, String data) {
}
