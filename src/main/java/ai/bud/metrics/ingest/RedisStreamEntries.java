package ai.bud.metrics.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The Redis side of ingestion (routes/ingest-redis.camel.yaml): turns a stream read into an
 * {@link IngestBatch} (only CloudEvents of the configured type; others are skipped), and acknowledges the
 * entries whose events were all stored, found duplicate or dead-lettered — never one with an event to retry.
 */
public class RedisStreamEntries {

    static final String SOURCE = "redis";

    private final EnvelopeParser parser;
    private final ObjectMapper mapper;
    private final StringRedisTemplate redis;
    private final String eventType;
    private final MeterRegistry meters;

    public RedisStreamEntries(EnvelopeParser parser, ObjectMapper mapper, StringRedisTemplate redis, String eventType, MeterRegistry meters) {
        this.parser = parser;
        this.mapper = mapper;
        this.redis = redis;
        this.eventType = eventType;
        this.meters = meters;
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
            if (root == null || !root.isObject()) {
                entries.add(RawEntry.undecodable(0, null, entry.data(), "data: must be a CloudEvent JSON object", entry.id()));
                continue;
            }
            if (!eventType.equals(EnvelopeParser.type(root))) {
                continue;
            }
            try {
                entries.addAll(parser.parse(root, entry.id()).entries());
            } catch (MalformedDeliveryException e) {
                entries.add(RawEntry.undecodable(0, null, entry.data(), e.getMessage(), entry.id()));
            }
        }
        return new IngestBatch(SOURCE, DeliveryKind.DAPR_BULK, entries);
    }

    /** XACKs every entry of {@code read} that has nothing left to retry. */
    public StreamBatchResult acknowledge(StreamReadBatch read, IngestBatch batch) {
        Set<String> retry = new HashSet<>();
        Set<String> carried = new HashSet<>();
        for (int i = 0; i < batch.size(); i++) {
            String reference = batch.entry(i).reference();
            carried.add(reference);
            if ("RETRY".equals(batch.status(i))) {
                retry.add(reference);
            }
        }
        Set<String> ack = new LinkedHashSet<>();
        int skipped = 0;
        for (StreamEntry entry : read.entries()) {
            if (!carried.contains(entry.id())) {
                skipped++;
            }
            if (!retry.contains(entry.id())) {
                ack.add(entry.id());
            }
        }
        if (!ack.isEmpty()) {
            redis.opsForStream().acknowledge(read.stream(), read.group(), ack.toArray(String[]::new));
        }
        // budmetrics_ingest_stream_entries_total{stream,result}: acknowledged (of which skipped) and left pending
        meters.counter("budmetrics.ingest.stream.entries", "stream", read.stream(), "result", "acknowledged").increment(ack.size());
        meters.counter("budmetrics.ingest.stream.entries", "stream", read.stream(), "result", "skipped").increment(skipped);
        meters.counter("budmetrics.ingest.stream.entries", "stream", read.stream(), "result", "pending").increment(
                read.entries().size() - ack.size());
        return new StreamBatchResult(ack.size(), skipped, read.entries().size() - ack.size(), batch.count(Outcome.INSERTED),
                batch.count(Outcome.DUPLICATE), batch.count(Outcome.INVALID));
    }
}
