package ai.bud.metrics.routes;

import ai.bud.metrics.ingest.Rows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;

/** For the ingest edit tests: events, Dapr bulk posts to /observability/add, and what the tables hold. */
final class IngestPosts {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private final Random random = new Random(7);

    IngestPosts(int port) {
        this.uri = URI.create("http://127.0.0.1:" + port + "/observability/add");
    }

    /** A valid event of {@code projectId}, with every optional field set (nulls included) so its row is fully known. */
    ObjectNode event(UUID projectId) {
        LocalDateTime arrival = LocalDateTime.of(2026, 3, 1 + random.nextInt(28), random.nextInt(24), random.nextInt(60), random.nextInt(60),
                random.nextInt(1000) * 1_000_000);
        ObjectNode event = MAPPER.createObjectNode();
        event.put("inference_id", UUID.randomUUID().toString());
        event.put("project_id", projectId.toString());
        event.put("endpoint_id", UUID.randomUUID().toString());
        event.put("model_id", UUID.randomUUID().toString());
        boolean success = random.nextBoolean();
        event.put("is_success", success);
        event.put("request_arrival_time", arrival.format(ISO_MILLIS) + "Z");
        event.put("request_forward_time", arrival.plusNanos((1 + random.nextInt(999)) * 1_000_000L).format(ISO_MILLIS) + "Z");
        event.put("cost", random.nextInt(10_000) / 1000.0);
        event.put("request_ip", "10.1." + random.nextInt(256) + "." + random.nextInt(256));
        event.putObject("response_analysis").put("sentiment", "neutral").put("score", random.nextInt(100)).putObject("nested").put("ok", true);
        event.put("api_key_id", "key-" + random.nextInt(1000));
        event.put("user_id", "user \"" + random.nextInt(1000) + "\"\t'x'");
        if (!success) {
            event.put("error_code", "rate_limit_exceeded");
            event.put("error_message", "too many\nrequests");
            event.put("error_type", "RateLimitError");
            event.put("status_code", 429);
        }
        return event;
    }

    /** A Dapr bulk of raw events (entryIds e-0, e-1, …); returns the reply. */
    JsonNode postBulk(List<ObjectNode> events) {
        ObjectNode bulk = MAPPER.createObjectNode();
        bulk.put("id", UUID.randomUUID().toString());
        bulk.put("pubsubname", "pubsub");
        bulk.put("topic", "budMetricsMessages");
        bulk.put("type", "com.dapr.event.sent.bulk");
        ArrayNode entries = bulk.putArray("entries");
        for (int i = 0; i < events.size(); i++) {
            ObjectNode entry = entries.addObject();
            entry.put("entryId", "e-" + i);
            entry.set("event", events.get(i));
            entry.put("contentType", "application/json");
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(bulk.toString(), StandardCharsets.UTF_8)).build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("status " + response.statusCode() + ": " + response.body());
            }
            return MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<String> statuses(JsonNode reply) {
        List<String> statuses = new ArrayList<>();
        reply.get("statuses").forEach(s -> statuses.add(s.get("status").asText()));
        return statuses;
    }

    static List<List<Object>> query(DataSource dataSource, String sql, Object... params) {
        return new Rows(dataSource).query(sql, params);
    }

    static long count(DataSource dataSource, String sql, Object... params) {
        return ((Number) query(dataSource, sql, params).get(0).get(0)).longValue();
    }
}
