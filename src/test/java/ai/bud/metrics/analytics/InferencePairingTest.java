package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.support.TestClickHouse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How a request meets its ModelInference row on the real engine: every request is counted once, with at most one of its
 * ModelInference rows, whether it has none, one, or two (a gateway that wrote a call twice), and a row outside the pairing
 * window is not its pair. Raw rows, and the raw edges of a rollup answer, are joined the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InferencePairingTest {

    private static final DataSource DATA = TestClickHouse.database("inference_pairing");
    private static final Instant ARRIVAL = Instant.parse("2024-03-01T10:00:00Z");
    private static final UUID PROJECT = UUID.fromString("7f3e6a52-0d3b-4c1e-9d55-8a0b1c2d3e4f");
    private static final UUID MODEL = UUID.fromString("1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9");
    private static final UUID ENDPOINT = UUID.fromString("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");

    /** Request i arrives at ARRIVAL + i seconds; its ModelInference rows, as input token counts, with their call time. */
    private final List<List<Integer>> tokens = List.of(
            List.of(100, 300), // written twice by the gateway: one of them is taken
            List.of(40),       // one row
            List.of(),         // none: still one request
            List.of(7));       // one row, but its call started two days before the arrival: outside the pairing window
    private final long[] callOffsetMillis = {0, 250, 0, -2 * 86_400_000L};

    @BeforeAll
    void load() throws Exception {
        try (Connection connection = DATA.getConnection();
                PreparedStatement details = connection.prepareStatement("INSERT INTO ModelInferenceDetails (inference_id, project_id, "
                        + "endpoint_id, model_id, is_success, request_arrival_time, request_forward_time) VALUES (?, ?, ?, ?, true, ?, ?)");
                PreparedStatement inference = connection.prepareStatement("INSERT INTO ModelInference (id, inference_id, raw_request, "
                        + "raw_response, model_name, model_provider_name, input_tokens, output_tokens, response_time_ms, ttft_ms, "
                        + "input_messages, output, cached) VALUES (?, ?, '', '', 'model', 'test', ?, 1, 100, 10, '', '', false)")) {
            for (int i = 0; i < tokens.size(); i++) {
                UUID id = new UUID(0x5eed_0000_0000_4000L | i, 0x8000_0000_0000_0000L | i);
                Instant arrival = ARRIVAL.plusSeconds(i);
                details.setObject(1, id);
                details.setObject(2, PROJECT);
                details.setObject(3, ENDPOINT);
                details.setObject(4, MODEL);
                details.setObject(5, arrival.atOffset(ZoneOffset.UTC).toLocalDateTime());
                details.setObject(6, arrival.plusMillis(20).atOffset(ZoneOffset.UTC).toLocalDateTime());
                details.executeUpdate();
                int copy = 0;
                for (int count : tokens.get(i)) {
                    // a UUIDv7 whose time is the call's start: the table's timestamp, which the pairing window bounds
                    long callMillis = arrival.toEpochMilli() + callOffsetMillis[i];
                    inference.setObject(1, new UUID(callMillis << 16 | 0x7000L | copy, 0x8000_0000_0000_0000L | (i << 8) | copy));
                    inference.setObject(2, id);
                    inference.setInt(3, count);
                    inference.executeUpdate();
                    copy++;
                }
            }
        }
    }

    @Test
    void eachRequestCountsOnceWithOneOfItsRowsOnRawRowsAndOnTheRollupsEdges() throws Exception {
        // the oracle: 4 requests; tokens of request 0 (either of its rows) + request 1; 2 has none, 3's pair is too far
        Set<Long> expectedTokens = Set.of(100L + 40, 300L + 40);
        Clock clock = Clock.fixed(Instant.parse("2024-03-02T00:00:00Z"), ZoneOffset.UTC);
        // 09:44:00 to 10:07:00: the rollup answers the whole grain 09:45 and reads the grain 10:00, cut by the range's
        // end, as raw rows of its edge: these requests
        AnalyticsRequest request = new AnalyticsRequestParser(clock).parse(("{\"metrics\":[\"request_count\",\"input_token\"],"
                + "\"from_date\":\"2024-03-01T09:44:00Z\",\"to_date\":\"2024-03-01T10:07:00Z\",\"frequency_unit\":\"hour\","
                + "\"return_delta\":false}").getBytes(StandardCharsets.UTF_8));
        AnalyticsQueryRunner runner = new AnalyticsQueryRunner(new EngineClient(DATA));
        Map<String, QueryBuilder> builders = new LinkedHashMap<>();
        builders.put("raw", new QueryBuilder(clock));
        builders.put("mixed", new QueryBuilder(clock, 0, false, true, true));
        for (Map.Entry<String, QueryBuilder> builder : builders.entrySet()) {
            SqlQuery query = builder.getValue().build(request);
            assertThat(query.source().label()).isEqualTo(builder.getKey());
            assertThat(query.sql()).contains("RIGHT ANY JOIN base");
            JsonNode answer = new ObjectMapper().readTree(runner.runToJson(query, request, () -> { }).body());
            JsonNode data = answer.path("items").path(0).path("items").path(0).path("data");
            assertThat(data.path("request_count").path("count").asLong()).as(query.source().label()).isEqualTo(tokens.size());
            assertThat(data.path("input_token").path("count").asLong()).as(query.source().label()).isIn(expectedTokens);
        }
    }
}
