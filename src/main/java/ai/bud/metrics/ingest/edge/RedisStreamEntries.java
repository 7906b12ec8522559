package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.components.redisstream.StreamBatchResult;
import ai.bud.metrics.components.redisstream.StreamEntry;
import ai.bud.metrics.components.redisstream.StreamReadBatch;
import ai.bud.metrics.ingest.DeliveryKind;
import ai.bud.metrics.ingest.IngestBatch;
import ai.bud.metrics.ingest.Outcome;
import ai.bud.metrics.ingest.RawEntry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Redis side of ingestion (routes/ingest-redis.camel.yaml): turns a stream read into an {@link IngestBatch} and
 * reports which entries have nothing left to retry, for the {@code redis-stream} consumer to acknowledge. Every
 * stream entry becomes at least one entry of the batch: CloudEvents of an accepted type their events, anything else
 * (another type, no CloudEvent, not JSON) one undecodable entry that the ingest flow dead-letters with the reason —
 * nothing is acknowledged unseen.
 */
public class RedisStreamEntries {

    static final String SOURCE = "redis";
    private static final int MAX_TYPE_IN_ERROR = 100;

    private final EnvelopeParser parser;
    private final ObjectMapper mapper;
    private final Set<String> eventTypes;

    public RedisStreamEntries(EnvelopeParser parser, ObjectMapper mapper, List<String> eventTypes) {
        this.parser = parser;
        this.mapper = mapper;
        this.eventTypes = new LinkedHashSet<>(eventTypes);
    }

    public IngestBatch toIngestBatch(StreamReadBatch read) {
        List<RawEntry> entries = new ArrayList<>();
        for (StreamEntry entry : read.entries()) {
            if (entry.data() == null) {
                entries.add(RawEntry.undecodable(0, null, "", "data: the stream entry has no data field (or was trimmed)", entry.id()));
                continue;
            }
            JsonNode root;
            try {
                root = mapper.readTree(entry.data());
            } catch (IOException e) {
                entries.add(RawEntry.undecodable(0, null, entry.data(), "data: is not valid JSON", entry.id()));
                continue;
            }
            String rejected = rejection(root);
            if (rejected != null) {
                entries.add(RawEntry.undecodable(0, null, entry.data(), rejected, entry.id()));
                continue;
            }
            try {
                List<RawEntry> carried = parser.parse(root, entry.id()).entries();
                entries.addAll(carried.isEmpty()
                        ? List.of(RawEntry.undecodable(0, null, entry.data(), "data: carries no event", entry.id()))
                        : carried);
            } catch (MalformedDeliveryException e) {
                entries.add(RawEntry.undecodable(0, null, entry.data(), e.getMessage(), entry.id()));
            }
        }
        return new IngestBatch(SOURCE, DeliveryKind.DAPR_BULK, entries);
    }

    /** Why an entry's JSON is not taken ("field: message"), or null for a CloudEvent of an accepted type. */
    private String rejection(JsonNode root) {
        if (root == null || !root.isObject() || !CloudEvent.looksLike(root)) {
            return "data: is not a CloudEvent (a JSON object with specversion, type and data, as Dapr publishes)";
        }
        String type = EnvelopeParser.type(root);
        if (type == null) {
            return "type: the CloudEvent has no type attribute; accepted types are " + eventTypes;
        }
        if (!eventTypes.contains(type)) {
            String shown = type.length() > MAX_TYPE_IN_ERROR ? type.substring(0, MAX_TYPE_IN_ERROR) + "…" : type;
            return "type: CloudEvent type '" + shown + "' is not accepted here; accepted types are " + eventTypes;
        }
        return null;
    }

    /**
     * What to acknowledge of {@code read} once the exchange completes: every entry that has nothing left to retry
     * (stored, duplicate or dead-lettered); the others stay pending, with the reason (an entry the batch does not
     * carry at all is kept pending too, never acknowledged unseen). The {@code redis-stream} consumer XACKs them.
     */
    public StreamBatchResult acknowledgement(StreamReadBatch read, IngestBatch batch) {
        Map<String, String> retry = new LinkedHashMap<>();
        Set<String> carried = new HashSet<>();
        Set<String> storedSome = new HashSet<>();
        for (int i = 0; i < batch.size(); i++) {
            String reference = batch.entry(i).reference();
            carried.add(reference);
            String status = batch.status(i);
            if ("RETRY".equals(status)) {
                retry.putIfAbsent(reference, retryReason(batch, i));
            } else if ("SUCCESS".equals(status)) {
                storedSome.add(reference);
            }
        }
        List<String> ack = new ArrayList<>(read.entries().size());
        int deadLettered = 0;
        for (StreamEntry entry : read.entries()) {
            if (!carried.contains(entry.id())) {
                retry.put(entry.id(), "the ingest flow did not carry this entry");
            } else if (!retry.containsKey(entry.id())) {
                ack.add(entry.id());
                if (!storedSome.contains(entry.id())) {
                    deadLettered++;
                }
            }
        }
        return new StreamBatchResult(ack, deadLettered, retry, batch.count(Outcome.INSERTED), batch.count(Outcome.DUPLICATE),
                batch.count(Outcome.INVALID));
    }

    private static String retryReason(IngestBatch batch, int i) {
        if (batch.outcome(i) == Outcome.INVALID) {
            return batch.error(i) + " (and the dead-letter write failed)";
        }
        return batch.error(i) != null ? batch.error(i) : "not stored: storage failed or the inference_id was being written by another writer";
    }
}
