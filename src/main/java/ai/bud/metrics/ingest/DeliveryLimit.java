package ai.bud.metrics.ingest;

import ai.bud.metrics.ingest.DeadLetterStore.DeadLetter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.PendingMessage;
import org.springframework.data.redis.connection.stream.PendingMessages;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * How often one stream entry may be delivered (SPEC section 3, "Storage faults never stall or lose"): an entry whose
 * attempt failed on its {@code maxDeliveries}-th delivery (Redis's count in XPENDING; XREADGROUP from id 0 and
 * XCLAIM add one) is written to IngestDeadLetter with its last error and then acknowledged, so it can never hold the
 * stream. The dead letter comes first: while it cannot be written (storage down) the entry stays pending, and its
 * next delivery tries to store it again. Remembers the last error of each failing entry (in memory, bounded).
 */
public class DeliveryLimit {

    private static final Logger log = LoggerFactory.getLogger(DeliveryLimit.class);
    private static final int REMEMBERED_ERRORS = 100_000;
    private static final Comparator<String> BY_STREAM_ID = Comparator.comparingLong((String id) -> idPart(id, 0))
            .thenComparingLong(id -> idPart(id, 1));

    private final StringRedisTemplate redis;
    private final DeadLetterStore deadLetters;
    private final MeterRegistry meters;
    private final int maxDeliveries;
    private final Map<String, String> lastErrors = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_ERRORS;
        }
    };

    public DeliveryLimit(StringRedisTemplate redis, DeadLetterStore deadLetters, MeterRegistry meters, int maxDeliveries) {
        this.redis = redis;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.maxDeliveries = maxDeliveries;
    }

    public int maxDeliveries() {
        return maxDeliveries;
    }

    /** Remembers why entry {@code id} was not stored this time. */
    public synchronized void failed(String id, String error) {
        lastErrors.put(id, error);
    }

    public synchronized String lastError(String id) {
        return lastErrors.get(id);
    }

    /** Forgets the entries that were acknowledged. */
    public synchronized void forget(List<StreamEntry> entries) {
        if (!lastErrors.isEmpty()) {
            entries.forEach(entry -> lastErrors.remove(entry.id()));
        }
    }

    /**
     * Dead-letters and acknowledges those of {@code failed} (entries of consumer {@code consumer} whose attempt just
     * failed) that Redis has delivered {@code maxDeliveries} times or more; returns their ids.
     */
    public List<String> enforce(String stream, String group, String consumer, List<StreamEntry> failed) {
        if (failed.isEmpty()) {
            return List.of();
        }
        Map<String, Long> deliveries = deliveries(stream, group, consumer, failed);
        List<StreamEntry> exhausted = new ArrayList<>();
        List<DeadLetter> letters = new ArrayList<>();
        for (StreamEntry entry : failed) {
            long delivered = deliveries.getOrDefault(entry.id(), 0L);
            if (delivered >= maxDeliveries) {
                exhausted.add(entry);
                String error = lastError(entry.id());
                letters.add(new DeadLetter(RedisStreamEntries.SOURCE, entry.id(), 0, null, null,
                        "not stored after " + delivered + " deliveries: " + (error == null ? "no error recorded" : error),
                        entry.data() == null ? "" : entry.data()));
            }
        }
        if (exhausted.isEmpty()) {
            return List.of();
        }
        try {
            deadLetters.write(letters);
        } catch (RuntimeException e) {
            log.warn("{} entries of stream {} reached {} deliveries but could not be dead-lettered ({}); they stay pending",
                    exhausted.size(), stream, maxDeliveries, e.getMessage());
            return List.of();
        }
        List<String> ids = exhausted.stream().map(StreamEntry::id).toList();
        redis.opsForStream().acknowledge(stream, group, ids.toArray(String[]::new));
        forget(exhausted);
        log.warn("dead-lettered and acknowledged {} entries of stream {} after {} deliveries: {}", ids.size(), stream, maxDeliveries, ids);
        // budmetrics_ingest_stream_entries_total{result=dead_lettered} counts them with the other dead-lettered entries
        meters.counter(RedisStreamEntries.METER, "stream", stream, "result", "acknowledged").increment(ids.size());
        meters.counter(RedisStreamEntries.METER, "stream", stream, "result", "dead_lettered").increment(ids.size());
        meters.counter("budmetrics.ingest.stream.exhausted", "stream", stream).increment(ids.size());
        return ids;
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
