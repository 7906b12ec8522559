package ai.bud.metrics.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Related test events from a seeded RNG: projects own endpoints, each endpoint serves one model. Most inferences
 * have a ModelInference row; some tokens and latencies are NULL (or 0); several arrivals share a second; times
 * carry milliseconds.
 */
final class GeneratedEvents {

    /** One ModelInferenceDetails row and, when {@code inference} is true, its ModelInference row. */
    record Event(UUID inferenceId, UUID projectId, UUID endpointId, UUID modelId, boolean success, long arrivalMs,
            long forwardMs, boolean inference, Integer inputTokens, Integer outputTokens, Integer responseTimeMs,
            Integer ttftMs, boolean cached) {
    }

    final List<UUID> models = new ArrayList<>();
    final List<UUID> projects = new ArrayList<>();
    final List<UUID> endpoints = new ArrayList<>();
    final List<Event> events = new ArrayList<>();

    GeneratedEvents(long seed, int count, Instant from, Instant to) {
        Random random = new Random(seed);
        for (int i = 0; i < 4; i++) {
            models.add(new UUID(random.nextLong(), random.nextLong()));
        }
        for (int i = 0; i < 3; i++) {
            projects.add(new UUID(random.nextLong(), random.nextLong()));
        }
        UUID[] endpointProject = new UUID[6];
        UUID[] endpointModel = new UUID[6];
        for (int i = 0; i < 6; i++) {
            endpoints.add(new UUID(random.nextLong(), random.nextLong()));
            endpointProject[i] = projects.get(i / 2);
            endpointModel[i] = models.get(i % 4);
        }
        long span = to.toEpochMilli() - from.toEpochMilli();
        // events on the edges the tests use: range ends (inclusive), an aligned-month origin and both sides of its
        // clamped starts (origin 2024-01-31T12:00Z: the next buckets start 2024-02-29T12:00Z and 2024-03-31T12:00Z)
        List<Long> pinned = List.of("2024-01-01T00:00:00Z", "2024-01-20T00:00:00Z", "2024-01-31T12:00:00Z",
                "2024-02-29T11:59:59.999Z", "2024-02-29T12:00:00Z", "2024-03-31T11:59:59.999Z", "2024-03-03T00:00:00Z")
                .stream().map(t -> Instant.parse(t).toEpochMilli()).toList();
        Event previous = null;
        for (int i = 0; i < count; i++) {
            int e = random.nextInt(6);
            long arrival;
            if (i < pinned.size()) {
                arrival = pinned.get(i);
            } else if (previous != null && random.nextInt(8) == 0) {
                // another arrival in the same second as the previous event, same endpoint
                e = endpoints.indexOf(previous.endpointId());
                arrival = Math.floorDiv(previous.arrivalMs(), 1000) * 1000 + random.nextInt(1000);
            } else {
                arrival = from.toEpochMilli() + (long) (random.nextDouble() * span);
            }
            long forward = arrival + random.nextInt(800);
            boolean hasInference = random.nextInt(10) != 0;
            Integer input = hasInference && random.nextInt(20) != 0 ? 10 + random.nextInt(2000) : null;
            Integer output = hasInference && random.nextInt(20) != 0 ? random.nextInt(1500) : null;
            Integer latency = null;
            if (hasInference && random.nextInt(20) != 0) {
                latency = random.nextInt(40) == 0 ? 0 : 50 + random.nextInt(5000);
            }
            Integer ttft = hasInference && random.nextInt(10) != 0 ? 5 + random.nextInt(900) : null;
            boolean cached = hasInference && random.nextInt(5) == 0;
            Event event = new Event(new UUID(random.nextLong(), random.nextLong()), endpointProject[e], endpoints.get(e),
                    endpointModel[e], random.nextInt(100) < 85, arrival, forward, hasInference, input, output, latency, ttft, cached);
            events.add(event);
            previous = event;
        }
    }

    /** Empties both tables of the suite's database, then {@link #insert}s these events: the tables hold exactly them. */
    void replaceAll(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("TRUNCATE TABLE ModelInference");
            ai.bud.metrics.ingest.Rows.emptyDetailsAndRollups(statement);
        }
        insert(dataSource);
    }

    void insert(DataSource dataSource) throws SQLException {
        Random random = new Random(7);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement details = connection.prepareStatement("INSERT INTO ModelInferenceDetails (inference_id, project_id, "
                    + "endpoint_id, model_id, is_success, request_arrival_time, request_forward_time) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (Event e : events) {
                    details.setObject(1, e.inferenceId());
                    details.setObject(2, e.projectId());
                    details.setObject(3, e.endpointId());
                    details.setObject(4, e.modelId());
                    details.setBoolean(5, e.success());
                    details.setObject(6, LocalDateTime.ofEpochSecond(Math.floorDiv(e.arrivalMs(), 1000),
                            (int) Math.floorMod(e.arrivalMs(), 1000) * 1_000_000, ZoneOffset.UTC));
                    details.setObject(7, LocalDateTime.ofEpochSecond(Math.floorDiv(e.forwardMs(), 1000),
                            (int) Math.floorMod(e.forwardMs(), 1000) * 1_000_000, ZoneOffset.UTC));
                    details.addBatch();
                }
                details.executeBatch();
            }
            try (PreparedStatement inference = connection.prepareStatement("INSERT INTO ModelInference (id, inference_id, raw_request, "
                    + "raw_response, model_name, model_provider_name, input_tokens, output_tokens, response_time_ms, ttft_ms, "
                    + "input_messages, output, cached) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Event e : events) {
                    if (!e.inference()) {
                        continue;
                    }
                    inference.setObject(1, UuidV7.at(e.arrivalMs(), random));
                    inference.setObject(2, e.inferenceId());
                    inference.setString(3, "{}");
                    inference.setString(4, "{}");
                    inference.setString(5, "model-" + models.indexOf(e.modelId()));
                    inference.setString(6, "provider");
                    setNullableInt(inference, 7, e.inputTokens());
                    setNullableInt(inference, 8, e.outputTokens());
                    setNullableInt(inference, 9, e.responseTimeMs());
                    setNullableInt(inference, 10, e.ttftMs());
                    inference.setString(11, "[]");
                    inference.setString(12, "");
                    inference.setBoolean(13, e.cached());
                    inference.addBatch();
                }
                inference.executeBatch();
            }
        }
    }

    private static void setNullableInt(PreparedStatement statement, int index, Integer value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.INTEGER);
        } else {
            statement.setLong(index, value);
        }
    }
}
