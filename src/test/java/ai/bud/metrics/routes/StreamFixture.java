package ai.bud.metrics.routes;

import ai.bud.metrics.ingest.Rows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * What the stream edit tests share: Dapr-format stream entries (the gateway's CloudEvent carrying a bulk, as Dapr's
 * Redis pub/sub writes it: field {@code data}), the consumer group's state in the real Redis, and the rows the real
 * ClickHouse holds, read back with bound parameters.
 */
final class StreamFixture {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private final StringRedisTemplate redis;
    private final DataSource dataSource;

    StreamFixture(StringRedisTemplate redis, DataSource dataSource) {
        this.redis = redis;
        this.dataSource = dataSource;
    }

    /** A valid event with a fresh inference_id. */
    static ObjectNode event() {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("inference_id", UUID.randomUUID().toString());
        event.put("project_id", UUID.randomUUID().toString());
        event.put("endpoint_id", UUID.randomUUID().toString());
        event.put("model_id", UUID.randomUUID().toString());
        event.put("is_success", true);
        event.put("request_arrival_time", "2026-01-02T03:04:05.006Z");
        event.put("request_forward_time", "2026-01-02T03:04:05.106Z");
        event.put("cost", 0.25);
        event.put("request_ip", "10.0.0.1");
        return event;
    }

    /** What the gateway publishes: a CloudEvent of type add_observability_metrics whose data is a Dapr bulk envelope. */
    static ObjectNode gatewayEvent(List<ObjectNode> events) {
        ObjectNode bulk = MAPPER.createObjectNode();
        bulk.put("id", UUID.randomUUID().toString());
        bulk.put("pubsubname", "pubsub");
        bulk.put("topic", "budMetricsMessages");
        bulk.put("type", "com.dapr.event.sent.bulk");
        bulk.putObject("metadata");
        ArrayNode entries = bulk.putArray("entries");
        for (ObjectNode event : events) {
            ObjectNode entry = entries.addObject();
            entry.put("entryId", UUID.randomUUID().toString());
            entry.set("event", event);
            entry.put("contentType", "application/json");
            entry.putObject("metadata");
        }
        ObjectNode cloudEvent = MAPPER.createObjectNode();
        cloudEvent.put("specversion", "1.0");
        cloudEvent.put("id", UUID.randomUUID().toString());
        cloudEvent.put("source", "budgateway");
        cloudEvent.put("type", "add_observability_metrics");
        cloudEvent.put("datacontenttype", "application/json");
        cloudEvent.set("data", bulk);
        return cloudEvent;
    }

    static List<String> ids(List<ObjectNode> events) {
        return events.stream().map(event -> event.get("inference_id").asText()).toList();
    }

    RecordId publish(String stream, ObjectNode cloudEvent) {
        return redis.opsForStream().add(StreamRecords.string(Map.of("data", cloudEvent.toString())).withStreamKey(stream));
    }

    long pending(String stream, String group) {
        return redis.opsForStream().pending(stream, group).getTotalPendingMessages();
    }

    /** Whether the group has read up to {@code last} (so that nothing pending means: all acknowledged). */
    boolean delivered(String stream, String group, RecordId last) {
        return redis.opsForStream().groups(stream).stream().filter(g -> g.groupName().equals(group))
                .anyMatch(g -> g.lastDeliveredId().equals(last.getValue()));
    }

    /** inference_id -> rows in ModelInferenceDetails (ids without rows are absent). */
    Map<String, Long> countsPerId(Collection<String> ids) {
        Map<String, Long> counts = new HashMap<>();
        String sql = "SELECT toString(inference_id), count() FROM ModelInferenceDetails WHERE inference_id IN ("
                + String.join(",", Collections.nCopies(ids.size(), "?")) + ") GROUP BY inference_id";
        for (List<Object> row : query(sql, ids.toArray())) {
            counts.put((String) row.get(0), ((Number) row.get(1)).longValue());
        }
        return counts;
    }

    List<List<Object>> query(String sql, Object... params) {
        return new Rows(dataSource).query(sql, params);
    }

    static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
