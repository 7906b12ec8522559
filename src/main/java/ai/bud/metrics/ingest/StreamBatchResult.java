package ai.bud.metrics.ingest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of a stream read: entries acknowledged (stored, duplicate or dead-lettered), of which dead-lettered
 * (nothing of the entry stored: another CloudEvent type, no CloudEvent, not JSON, every event invalid), and the
 * entries left pending because something in them could not be stored now, each with the reason.
 */
public record StreamBatchResult(int acknowledged, int deadLettered, Map<String, String> pending, long inserted, long duplicates,
        long invalid) {

    public StreamBatchResult {
        pending = Collections.unmodifiableMap(new LinkedHashMap<>(pending));
    }
}
