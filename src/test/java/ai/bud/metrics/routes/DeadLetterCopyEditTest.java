package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Edit 3 (docs/DEVELOPMENT.md, "Editing routes"): a second destination for the dead letter, beside the table — each
 * dead letter as JSON pushed on a Redis list (camel-spring-redis, RPUSH). Invalid entries must arrive in both places,
 * with what was sent.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "budmetrics.clickhouse.database=edit_dead_letter_test")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class DeadLetterCopyEditTest {

    static final String LIST = "budmetrics:test:dead-letters:" + UUID.randomUUID();

    static final EditedRoutes ROUTES = appendToDeadLetterRoute("""
                    # a second destination: each dead letter as JSON on a Redis list
                    - split:
                        id: dead-letter-copy
                        simple: "${body}"
                        steps:
                          - marshal:
                              json: {}
                          - setHeader:
                              name: CamelRedis.Key
                              constant: "%s"
                          - setHeader:
                              name: CamelRedis.Value
                              simple: "${bodyAs(String)}"
                          - to:
                              uri: "spring-redis:{{spring.data.redis.host}}:{{spring.data.redis.port}}"
                              parameters:
                                command: RPUSH
                                redisTemplate: "#stringRedisTemplate"
            """.formatted(LIST));

    private static EditedRoutes appendToDeadLetterRoute(String steps) {
        EditedRoutes routes = EditedRoutes.copy();
        return routes.add("dead-letter.camel.yaml", routes.read("dead-letter.camel.yaml") + steps);
    }

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    StringRedisTemplate redis;

    private IngestPosts posts;

    @BeforeAll
    void setUp() {
        posts = new IngestPosts(port);
    }

    @AfterAll
    void removeList() {
        redis.delete(LIST);
    }

    @Test
    void invalidEntriesArriveOnTheListAndInTheTable() throws Exception {
        ObjectNode valid = posts.event(UUID.randomUUID());
        ObjectNode badCost = posts.event(UUID.randomUUID());
        badCost.put("cost", -5);
        ObjectNode badIp = posts.event(UUID.randomUUID());
        badIp.put("request_ip", "not an address");
        JsonNode reply = posts.postBulk(List.of(badCost, valid, badIp));
        assertThat(IngestPosts.statuses(reply)).containsExactly("DROP", "SUCCESS", "DROP");

        Map<String, JsonNode> onList = new HashMap<>();
        for (String json : redis.opsForList().range(LIST, 0, -1)) {
            JsonNode letter = IngestPosts.MAPPER.readTree(json);
            onList.put(letter.get("inferenceId").asText(), letter);
        }
        assertThat(onList).containsOnlyKeys(badCost.get("inference_id").asText(), badIp.get("inference_id").asText());
        List<ObjectNode> bad = List.of(badCost, badIp);
        List<String> fields = List.of("cost", "request_ip");
        List<Integer> indexes = List.of(0, 2);
        for (int i = 0; i < bad.size(); i++) {
            String id = bad.get(i).get("inference_id").asText();
            JsonNode letter = onList.get(id);
            assertThat(letter.get("source").asText()).isEqualTo("http");
            assertThat(letter.get("index").asInt()).isEqualTo(indexes.get(i));
            assertThat(letter.get("entryId").asText()).isEqualTo("e-" + indexes.get(i));
            assertThat(letter.get("error").asText()).startsWith(fields.get(i) + ":");
            assertThat(IngestPosts.MAPPER.readTree(letter.get("payload").asText())).isEqualTo(bad.get(i));
            // beside the table, not instead of it: the same letter is a row there
            List<List<Object>> rows = IngestPosts.query(dataSource,
                    "SELECT source, entry_index, entry_id, error, payload FROM IngestDeadLetter WHERE inference_id = ?", id);
            assertThat(rows).singleElement().satisfies(row -> {
                List<Object> expected = new ArrayList<>();
                expected.add(letter.get("source").asText());
                expected.add((long) letter.get("index").asInt());
                expected.add(letter.get("entryId").asText());
                expected.add(letter.get("error").asText());
                expected.add(letter.get("payload").asText());
                List<Object> got = new ArrayList<>(row);
                got.set(1, ((Number) got.get(1)).longValue());
                assertThat(got).isEqualTo(expected);
            });
        }
    }
}
