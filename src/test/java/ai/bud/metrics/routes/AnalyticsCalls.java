package ai.bud.metrics.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * What the edit tests do against the running application: insert events of one project of their own, ask for their
 * request count over a past week, and count them themselves (the oracle).
 */
final class AnalyticsCalls {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Instant FROM = Instant.parse("2023-03-01T00:00:00Z");
    static final Instant TO = Instant.parse("2023-03-08T00:00:00Z");

    private final int port;
    private final DataSource dataSource;
    private final UUID project = UUID.randomUUID();
    private final List<Instant> inserted = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    AnalyticsCalls(int port, DataSource dataSource) {
        this.port = port;
        this.dataSource = dataSource;
    }

    /** {@code n} events of this project at random times from 3 days before the range to 3 days after it. */
    void insertEvents(int n, long seed) throws SQLException {
        Random random = new Random(seed);
        long span = TO.toEpochMilli() - FROM.toEpochMilli() + 6 * 86_400_000L;
        try (Connection connection = dataSource.getConnection(); PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO ModelInferenceDetails (inference_id, project_id, endpoint_id, model_id, is_success, "
                        + "request_arrival_time, request_forward_time) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < n; i++) {
                Instant arrival = Instant.ofEpochMilli(FROM.toEpochMilli() - 3 * 86_400_000L + (long) (random.nextDouble() * span));
                insert.setObject(1, UUID.randomUUID());
                insert.setObject(2, project);
                insert.setObject(3, UUID.randomUUID());
                insert.setObject(4, UUID.randomUUID());
                insert.setBoolean(5, random.nextBoolean());
                insert.setObject(6, LocalDateTime.ofInstant(arrival, ZoneOffset.UTC));
                insert.setObject(7, LocalDateTime.ofInstant(arrival.plusMillis(5), ZoneOffset.UTC));
                insert.addBatch();
                inserted.add(arrival);
            }
            insert.executeBatch();
        }
    }

    /** The oracle: events inserted so far with {@code FROM <= arrival <= TO}. */
    long expectedCount() {
        return inserted.stream().filter(t -> !t.isBefore(FROM) && !t.isAfter(TO)).count();
    }

    /** The request of these tests: the request count of this project, daily, over the past week. */
    String request() {
        return "{\"metrics\":[\"request_count\"],\"from_date\":\"" + FROM + "\",\"to_date\":\"" + TO + "\",\"filters\":{\"project\":\""
                + project + "\"}}";
    }

    HttpResponse<String> post(String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The sum of {@code request_count.count} over the buckets of an analytics answer. */
    static long totalCount(JsonNode answer) {
        long total = 0;
        for (JsonNode bucket : answer.path("items")) {
            for (JsonNode item : bucket.path("items")) {
                total += item.path("data").path("request_count").path("count").asLong();
            }
        }
        return total;
    }

    static long totalCount(String answer) throws Exception {
        JsonNode json = MAPPER.readTree(answer);
        if (!"observability_metrics".equals(json.path("object").asText())) {
            throw new AssertionError("not an analytics answer: " + answer);
        }
        return totalCount(json);
    }
}
