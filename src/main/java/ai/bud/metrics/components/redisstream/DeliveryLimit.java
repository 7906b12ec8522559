package ai.bud.metrics.components.redisstream;

import ai.bud.metrics.ingest.store.DeadLetterStore.DeadLetter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.PendingMessage;
import org.springframework.data.redis.connection.stream.PendingMessages;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * How often one stream entry may be delivered (the endpoint's {@code maxDeliveries}; SPEC section 3, "Storage faults
 * never stall or lose"): an entry whose attempt failed on its {@code maxDeliveries}-th delivery (Redis's count in
 * XPENDING; XREADGROUP from id 0 and XCLAIM add one) becomes a dead letter with its last error, which the consumer
 * sends to the endpoint's {@code deadLetterUri} and acknowledges only once that exchange succeeded. Remembers the last
 * error of each failing entry (in memory, bounded).
 */
final class DeliveryLimit {

    /** The {@code source} of the dead letters of stream entries, as the ingest flow writes its own. */
    static final String SOURCE = "redis";
    private static final int REMEMBERED_ERRORS = 100_000;
    private static final Comparator<String> BY_STREAM_ID = Comparator.comparingLong((String id) -> idPart(id, 0))
            .thenComparingLong(id -> idPart(id, 1));

    private final StringRedisTemplate redis;
    private final int maxDeliveries;
    private final Map<String, String> lastErrors = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_ERRORS;
        }
    };

    DeliveryLimit(StringRedisTemplate redis, int maxDeliveries) {
        this.redis = redis;
        this.maxDeliveries = maxDeliveries;
    }

    int maxDeliveries() {
        return maxDeliveries;
    }

    /** Remembers why entry {@code id} was not stored this time. */
    synchronized void failed(String id, String error) {
        lastErrors.put(id, error);
    }

    synchronized String lastError(String id) {
        return lastErrors.get(id);
    }

    /** Forgets the entries that were acknowledged. */
    synchronized void forget(List<StreamEntry> entries) {
        if (!lastErrors.isEmpty()) {
            entries.forEach(entry -> lastErrors.remove(entry.id()));
        }
    }

    /**
     * The dead letters of those of {@code failed} (entries of consumer {@code consumer} whose attempt just failed) that
     * Redis has delivered {@code maxDeliveries} times or more, in the order of {@code failed}.
     */
    List<DeadLetter> exhausted(String stream, String group, String consumer, List<StreamEntry> failed) {
        if (failed.isEmpty()) {
            return List.of();
        }
        Map<String, Long> deliveries = deliveries(stream, group, consumer, failed);
        List<DeadLetter> letters = new ArrayList<>();
        for (StreamEntry entry : failed) {
            long delivered = deliveries.getOrDefault(entry.id(), 0L);
            if (delivered >= maxDeliveries) {
                String error = lastError(entry.id());
                letters.add(new DeadLetter(SOURCE, entry.id(), 0, null, null,
                        "not stored after " + delivered + " deliveries: " + (error == null ? "no error recorded" : error),
                        entry.data() == null ? "" : entry.data()));
            }
        }
        return letters;
    }

    /** XPENDING's delivery counts of the given entries of {@code consumer} (an entry no longer pending there is absent). */
    private Map<String, Long> deliveries(String stream, String group, String consumer, List<StreamEntry> entries) {
        if (maxDeliveries == 1) {
            Map<String, Long> once = new HashMap<>();
            entries.forEach(entry -> once.put(entry.id(), 1L));
            return once;
        }
        List<String> ids = entries.stream().map(StreamEntry::id).sorted(BY_STREAM_ID).toList();
        PendingMessages pending = redis.opsForStream().pending(stream, Consumer.from(group, consumer),
                Range.closed(ids.get(0), ids.get(ids.size() - 1)), Math.max(ids.size(), 10_000));
        Map<String, Long> counts = new HashMap<>();
        for (PendingMessage message : pending) {
            counts.put(message.getIdAsString(), message.getTotalDeliveryCount());
        }
        return counts;
    }

    private static long idPart(String id, int part) {
        int dash = id.indexOf('-');
        String text = dash < 0 ? (part == 0 ? id : "0") : part == 0 ? id.substring(0, dash) : id.substring(dash + 1);
        return Long.parseLong(text);
    }
}
