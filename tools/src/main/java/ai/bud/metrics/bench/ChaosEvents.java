package ai.bud.metrics.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The chaos senders' events: valid gateway events of one project, the same for the same seed and clock (so a fault can
 * post "the same N events again"), and the envelopes Dapr and the gateway put around them.
 */
final class ChaosEvents {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String TYPE = "add_observability_metrics";
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private ChaosEvents() {
    }

    /**
     * n valid events of {@code project}; ids and fields from {@code seed}. Arrival within the minute before
     * {@code nowMillis}, or, with {@code spanMonths} > 0, event i in the month i (mod spanMonths) before it: one bulk
     * of them spans that many monthly partitions.
     */
    static List<Map<String, Object>> events(UUID project, int n, long seed, long nowMillis, int spanMonths) {
        SplittableRandom random = new SplittableRandom(seed ^ project.getLeastSignificantBits());
        UUID[] models = new UUID[3];
        UUID[] endpoints = new UUID[6];
        for (int i = 0; i < models.length; i++) {
            models[i] = new UUID(random.nextLong(), random.nextLong());
        }
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = new UUID(random.nextLong(), random.nextLong());
        }
        List<Map<String, Object>> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int e = random.nextInt(endpoints.length);
            long arrival = nowMillis - 1000 - random.nextLong(59_000L);
            if (spanMonths > 0) {
                arrival = ZonedDateTime.ofInstant(Instant.ofEpochMilli(arrival), ZoneOffset.UTC).minusMonths(i % spanMonths)
                        .toInstant().toEpochMilli();
            }
            boolean success = random.nextInt(100) < 95;
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("inference_id", new UUID(random.nextLong(), random.nextLong()).toString());
            event.put("project_id", project.toString());
            event.put("endpoint_id", endpoints[e].toString());
            event.put("model_id", models[e % models.length].toString());
            event.put("is_success", success);
            event.put("request_arrival_time", MILLIS.format(Instant.ofEpochMilli(arrival)));
            event.put("request_forward_time", MILLIS.format(Instant.ofEpochMilli(arrival + 1 + random.nextInt(100))));
            event.put("cost", success ? random.nextInt(1_000_000) / 1e8 : null);
            event.put("request_ip", "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + (1 + random.nextInt(254)));
            event.put("status_code", success ? 200 : 500);
            events.add(event);
        }
        return events;
    }

    static String inferenceId(Map<String, Object> event) {
        return String.valueOf(event.get("inference_id"));
    }

    /** A CloudEvent of {@code type} carrying {@code data}. */
    static Map<String, Object> cloudEvent(Object data, String type) {
        Map<String, Object> cloud = new LinkedHashMap<>();
        cloud.put("specversion", "1.0");
        cloud.put("id", UUID.randomUUID().toString());
        cloud.put("source", "budmetrics-tools");
        cloud.put("type", type);
        cloud.put("datacontenttype", "application/json");
        cloud.put("topic", "budMetricsMessages");
        cloud.put("pubsubname", "pubsub");
        cloud.put("data", data);
        return cloud;
    }

    /** A Dapr bulk delivery (SPEC section 3); entry ids are the inference ids, events wrapped as CloudEvents when asked. */
    static Map<String, Object> bulk(List<Map<String, Object>> events, boolean asCloudEvents) {
        List<Map<String, Object>> entries = new ArrayList<>(events.size());
        for (Map<String, Object> event : events) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("entryId", inferenceId(event));
            entry.put("event", asCloudEvents ? cloudEvent(event, TYPE) : event);
            entry.put("contentType", asCloudEvents ? "application/cloudevents+json" : "application/json");
            entry.put("metadata", Map.of());
            entries.add(entry);
        }
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("entries", entries);
        envelope.put("id", UUID.randomUUID().toString());
        envelope.put("pubsubname", "pubsub");
        envelope.put("topic", "budMetricsMessages");
        envelope.put("type", "com.dapr.event.sent.bulk");
        envelope.put("metadata", Map.of());
        return envelope;
    }

    /** A stream entry's data as the gateway publishes it: one event as a CloudEvent, several as a CloudEvent carrying a bulk. */
    static byte[] streamEntry(List<Map<String, Object>> events) {
        Object data = events.size() == 1 ? events.get(0) : bulk(events, false);
        return json(cloudEvent(data, TYPE));
    }

    static byte[] json(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new BenchException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
