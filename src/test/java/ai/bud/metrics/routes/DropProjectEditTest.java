package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Edit 2 (docs/DEVELOPMENT.md, "Editing routes"): the events of one project are dropped before storage — a
 * {@code simple} predicate on each event's columns, evaluated by eventFilter.drop — and answered SUCCESS, while the
 * other events of the same delivery are stored and invalid entries are still dead-lettered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "budmetrics.clickhouse.database=edit_drop_test")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class DropProjectEditTest {

    static final UUID DROPPED_PROJECT = UUID.randomUUID();

    static final EditedRoutes ROUTES = EditedRoutes.copy().replace("ingest-http.camel.yaml", """
                    - bean:
                        id: store-events
            """, """
                    - setVariable:
                        id: drop-when
                        name: dropWhen
                        constant: "${body[project_id]} == '%s'"
                    - bean:
                        id: drop-project-events
                        ref: eventFilter
                        method: drop
                    - bean:
                        id: store-events
            """.formatted(DROPPED_PROJECT));

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry meters;

    private IngestPosts posts;

    @BeforeAll
    void setUp() {
        posts = new IngestPosts(port);
    }

    private double dropped() {
        Counter counter = meters.find("budmetrics.ingest.entries").tags("source", "http", "outcome", "dropped").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theEventsOfTheProjectAreAnsweredSuccessAndNotStoredTheOthersAre() {
        UUID kept = UUID.randomUUID();
        List<ObjectNode> sent = new ArrayList<>();
        List<String> droppedIds = new ArrayList<>();
        List<String> keptIds = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ObjectNode event = posts.event(i % 2 == 0 ? DROPPED_PROJECT : (i % 3 == 0 ? kept : UUID.randomUUID()));
            sent.add(event);
            (i % 2 == 0 ? droppedIds : keptIds).add(event.get("inference_id").asText());
        }
        ObjectNode invalid = posts.event(DROPPED_PROJECT);
        invalid.remove("model_id");
        sent.add(invalid);
        double droppedBefore = dropped();

        JsonNode reply = posts.postBulk(sent);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            expected.add("SUCCESS");
        }
        expected.add("DROP");
        assertThat(IngestPosts.statuses(reply)).isEqualTo(expected);
        assertThat(reply.get("message").asText()).contains("Dropped " + droppedIds.size() + " records");
        assertThat(reply.get("param").get("summary").get("successfully_inserted").asInt()).isEqualTo(keptIds.size());
        assertThat(dropped() - droppedBefore).isEqualTo(droppedIds.size());

        assertThat(IngestPosts.count(dataSource, "SELECT count() FROM ModelInferenceDetails WHERE project_id = ?", DROPPED_PROJECT.toString()))
                .isZero();
        for (String id : keptIds) {
            assertThat(IngestPosts.count(dataSource, "SELECT count() FROM ModelInferenceDetails WHERE inference_id = ?", id)).as(id).isEqualTo(1);
        }
        for (String id : droppedIds) {
            assertThat(IngestPosts.count(dataSource, "SELECT count() FROM ModelInferenceDetails WHERE inference_id = ?", id)).as(id).isZero();
        }
        // the invalid entry of that project is still dead-lettered (the filter only sees valid events)
        assertThat(IngestPosts.count(dataSource, "SELECT count() FROM IngestDeadLetter WHERE inference_id = ?",
                invalid.get("inference_id").asText())).isEqualTo(1);
    }
}
