package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Edit 1 (docs/DEVELOPMENT.md, "Editing routes"): every stored event also goes to a second destination, in the JSON
 * shape it was stored — here a file, one JSON object per line, split from {@code ${body.storedEvents}} after the store
 * step. Each line must equal the row ClickHouse holds for that event (read back as JSON by ClickHouse itself).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "budmetrics.clickhouse.database=edit_mirror_test")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class MirrorStoredEventsEditTest {

    static final Path MIRROR = mirrorDir();

    static final EditedRoutes ROUTES = EditedRoutes.copy().replace("ingest-http.camel.yaml", """
                    - bean:
                        id: store-events
                        ref: ingestFlow
                        method: store
            """, """
                    - bean:
                        id: store-events
                        ref: ingestFlow
                        method: store
                    - split:
                        id: mirror-stored-events
                        simple: "${body.storedEvents}"
                        steps:
                          - marshal:
                              json: {}
                          - to:
                              uri: file:%s
                              parameters:
                                fileName: stored-events.jsonl
                                fileExist: Append
                                appendChars: '\\n'
            """.formatted(MIRROR));

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private IngestPosts posts;

    private static Path mirrorDir() {
        try {
            Path dir = Files.createTempDirectory("budmetrics-mirror-");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    void setUp() {
        posts = new IngestPosts(port);
    }

    private List<JsonNode> mirrored() throws IOException {
        Path file = MIRROR.resolve("stored-events.jsonl");
        List<JsonNode> lines = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                lines.add(IngestPosts.MAPPER.readTree(line));
            }
        }
        return lines;
    }

    /** The stored row as ClickHouse writes it in JSON (every column but the server's created_at). */
    private JsonNode storedRow(String inferenceId) throws IOException {
        List<List<Object>> rows = IngestPosts.query(dataSource, "SELECT formatRowNoNewline('JSONEachRow', inference_id, request_ip, project_id,"
                + " endpoint_id, model_id, cost, response_analysis, is_success, request_arrival_time, request_forward_time, api_key_id,"
                + " user_id, api_key_project_id, error_code, error_message, error_type, status_code) FROM ModelInferenceDetails"
                + " WHERE inference_id = ? SETTINGS output_format_json_quote_64bit_integers = 0", inferenceId);
        assertThat(rows).as("row of %s", inferenceId).hasSize(1);
        return IngestPosts.MAPPER.readTree((String) rows.get(0).get(0));
    }

    @Test
    void everyStoredEventIsMirroredAsItsRowAndNothingElseIs() throws IOException {
        List<ObjectNode> valid = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            valid.add(posts.event(UUID.randomUUID()));
        }
        ObjectNode invalid = posts.event(UUID.randomUUID());
        invalid.put("cost", -2);
        List<ObjectNode> sent = new ArrayList<>(valid);
        sent.add(valid.get(2).deepCopy()); // a duplicate in the same delivery: stored once, mirrored once
        sent.add(invalid);

        JsonNode reply = posts.postBulk(sent);
        assertThat(IngestPosts.statuses(reply)).containsExactly("SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "DROP");

        List<JsonNode> lines = mirrored();
        assertThat(lines.stream().map(line -> line.get("inference_id").asText()))
                .containsExactlyInAnyOrderElementsOf(valid.stream().map(e -> e.get("inference_id").asText()).toList());
        for (JsonNode line : lines) {
            assertThat(line).as("mirrored %s", line.get("inference_id")).isEqualTo(storedRow(line.get("inference_id").asText()));
        }

        // a redelivery stores nothing new, so it mirrors nothing
        assertThat(IngestPosts.statuses(posts.postBulk(valid))).containsOnly("SUCCESS");
        assertThat(mirrored()).hasSize(valid.size());
    }
}
