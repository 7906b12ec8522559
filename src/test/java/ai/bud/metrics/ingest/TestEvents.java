package ai.bud.metrics.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Builds event bodies for the ingestion tests (valid events with random ids, and the envelopes around them). */
public final class TestEvents {

    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

    private final Random random;

    public TestEvents(long seed) {
        this.random = new Random(seed);
    }

    /** A valid event in the gateway's field names; arrival at {@code arrival} (UTC), forwarded 1..999 ms later. */
    public ObjectNode event(LocalDateTime arrival) {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("inference_id", UUID.randomUUID().toString());
        event.put("project_id", UUID.randomUUID().toString());
        event.put("endpoint_id", UUID.randomUUID().toString());
        event.put("model_id", UUID.randomUUID().toString());
        event.put("is_success", random.nextBoolean());
        event.put("request_arrival_time", arrival.format(ISO_MILLIS) + "Z");
        event.put("request_forward_time", arrival.plusNanos((1 + random.nextInt(999)) * 1_000_000L).format(ISO_MILLIS) + "Z");
        event.put("cost", random.nextInt(10_000) / 1000.0);
        event.put("request_ip", "10.0." + random.nextInt(256) + "." + random.nextInt(256));
        event.putObject("response_analysis").put("sentiment", "neutral").put("score", random.nextInt(100));
        return event;
    }

    public ObjectNode event() {
        return event(LocalDateTime.of(2026, 1, 1 + random.nextInt(28), random.nextInt(24), random.nextInt(60), random.nextInt(60),
                random.nextInt(1000) * 1_000_000));
    }

    public static ObjectNode cloudEvent(Object data, String type) {
        ObjectNode ce = MAPPER.createObjectNode();
        ce.put("specversion", "1.0");
        ce.put("id", UUID.randomUUID().toString());
        ce.put("source", "budgateway");
        ce.put("type", type);
        ce.put("datacontenttype", "application/json");
        ce.set("data", MAPPER.valueToTree(data));
        return ce;
    }

    /** Dapr bulk envelope; each event wrapped as a CloudEvent when {@code asCloudEvents}. */
    public static ObjectNode bulk(List<? extends Object> events, boolean asCloudEvents) {
        ObjectNode bulk = MAPPER.createObjectNode();
        bulk.put("id", UUID.randomUUID().toString());
        bulk.put("pubsubname", "pubsub");
        bulk.put("topic", "budMetricsMessages");
        bulk.put("type", "com.dapr.event.sent.bulk");
        bulk.putObject("metadata");
        ArrayNode entries = bulk.putArray("entries");
        int n = 0;
        for (Object event : events) {
            ObjectNode entry = entries.addObject();
            entry.put("entryId", "e-" + n++ + "-" + UUID.randomUUID());
            entry.set("event", asCloudEvents ? cloudEvent(event, "add_observability_metrics") : MAPPER.valueToTree(event));
            entry.put("contentType", asCloudEvents ? "application/cloudevents+json" : "application/json");
            entry.putObject("metadata");
        }
        return bulk;
    }

    /** What the gateway publishes: one CloudEvent of type add_observability_metrics whose data is a bulk envelope. */
    public static ObjectNode gatewayEvent(List<? extends Object> events) {
        return cloudEvent(bulk(events, false), "add_observability_metrics");
    }
}
