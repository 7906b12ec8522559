package ai.bud.metrics.ingest;

import java.util.List;

/** The entries one XREADGROUP (or claim) returned, with the stream and group to acknowledge them in. */
public record StreamReadBatch(String stream, String group, List<StreamEntry> entries) {

    public StreamReadBatch {
        entries = List.copyOf(entries);
    }
}
