package ai.bud.metrics.components.redisstream;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a route reports for a stream read, as the body it ends with: the entries to acknowledge (stored, duplicate or
 * dead-lettered), of which {@code deadLettered} had nothing stored, and the entries to leave pending for another
 * delivery, each with the reason. The {@code redis-stream} consumer XACKs {@code acknowledge} when the exchange
 * completes; an entry of the read named in neither is left pending too.
 */
public record StreamBatchResult(List<String> acknowledge, int deadLettered, Map<String, String> pending, long inserted,
        long duplicates, long invalid) {

    public StreamBatchResult {
        acknowledge = List.copyOf(acknowledge);
        pending = Collections.unmodifiableMap(new LinkedHashMap<>(pending));
    }
}
