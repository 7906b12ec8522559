package ai.bud.metrics.components.redisstream;

import java.util.List;

/**
 * The body of an exchange of the {@code redis-stream} consumer: the entries one XREADGROUP (or claim) returned, with
 * the stream and group they belong to.
 */
public record StreamReadBatch(String stream, String group, List<StreamEntry> entries) {

    public StreamReadBatch {
        entries = List.copyOf(entries);
    }
}
