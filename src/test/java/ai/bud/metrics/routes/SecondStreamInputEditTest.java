package ai.bud.metrics.routes;

import static ai.bud.metrics.routes.StreamFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Edit 6 of docs/DEVELOPMENT.md ("Add a second input"): a route file added to a copy of routes/ consumes a second
 * Redis stream with the redis-stream component and sends its reads through the shared ingest flow, beside the shipped
 * stream route. Entries published to either stream are stored in the real ClickHouse and acknowledged in the real
 * Redis. No Java is added: the second input is the YAML alone.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "budmetrics.clickhouse.database=edit_second_input_test", "budmetrics.redis.ingest-enabled=true",
        "budmetrics.redis.consumers=1", "budmetrics.redis.block=200ms"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecondStreamInputEditTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String SHIPPED_STREAM = "edit-input-shipped-" + RUN;
    private static final String SECOND_STREAM = "edit-input-second-" + RUN;
    private static final String GROUP = "edit-input-group-" + RUN;
    private static final String SECOND_GROUP = "edit-input-second-group-" + RUN;

    /** The edit, as a team would write it: a new file with one route, from the second stream to the shared flow. */
    static final String SECOND_INPUT = """
            # a second topic of the gateway, stored like the first
            - route:
                id: ingest-second-stream
                from:
                  uri: redis-stream:%s
                  parameters:
                    group: %s
                    consumers: 1
                    block: 200ms
                  steps:
                    - setProperty:
                        name: streamRead
                        simple: "${body}"
                    - bean:
                        ref: redisStreamEntries
                        method: toIngestBatch
                    - to: direct:ingest
                    - bean:
                        ref: redisStreamEntries
                        method: "acknowledgement(${exchangeProperty.streamRead}, ${body})"
            """.formatted(SECOND_STREAM, SECOND_GROUP);

    static final EditedRoutes ROUTES = EditedRoutes.copy().add("ingest-second-stream.camel.yaml", SECOND_INPUT);

    @DynamicPropertySource
    static void edited(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
        registry.add("budmetrics.redis.stream", () -> SHIPPED_STREAM);
        registry.add("budmetrics.redis.consumer-group", () -> GROUP);
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> "budmetrics:test:" + RUN);
    }

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    DataSource dataSource;

    @Autowired
    CamelContext context;

    private StreamFixture fixture;

    @BeforeAll
    void setUp() {
        fixture = new StreamFixture(redis, dataSource);
    }

    @AfterAll
    void tearDown() throws Exception {
        context.getRouteController().stopRoute("ingest-second-stream");
        context.getRouteController().stopRoute("ingest-redis-batch");
        redis.delete(List.of(SHIPPED_STREAM, SECOND_STREAM));
    }

    @Test
    void entriesOfBothStreamsAreStoredOnceAndAcknowledged() {
        assertThat(context.getRoute("ingest-second-stream")).as("the added route is loaded from the edited copy").isNotNull();
        List<ObjectNode> shipped = new ArrayList<>();
        List<ObjectNode> second = new ArrayList<>();
        RecordId lastShipped = null;
        RecordId lastSecond = null;
        for (int n = 0; n < 10; n++) {
            List<ObjectNode> a = List.of(StreamFixture.event(), StreamFixture.event());
            List<ObjectNode> b = List.of(StreamFixture.event(), StreamFixture.event(), StreamFixture.event());
            shipped.addAll(a);
            second.addAll(b);
            lastShipped = fixture.publish(SHIPPED_STREAM, StreamFixture.gatewayEvent(a));
            lastSecond = fixture.publish(SECOND_STREAM, StreamFixture.gatewayEvent(b));
        }
        RecordId endShipped = lastShipped;
        RecordId endSecond = lastSecond;
        await("both streams read and acknowledged", Duration.ofMinutes(2),
                () -> fixture.delivered(SHIPPED_STREAM, GROUP, endShipped) && fixture.pending(SHIPPED_STREAM, GROUP) == 0
                        && fixture.delivered(SECOND_STREAM, SECOND_GROUP, endSecond) && fixture.pending(SECOND_STREAM, SECOND_GROUP) == 0);

        List<String> shippedIds = StreamFixture.ids(shipped);
        List<String> secondIds = StreamFixture.ids(second);
        assertThat(fixture.countsPerId(shippedIds)).containsOnlyKeys(shippedIds).allSatisfy((id, rows) -> assertThat(rows).isEqualTo(1L));
        assertThat(fixture.countsPerId(secondIds)).containsOnlyKeys(secondIds).allSatisfy((id, rows) -> assertThat(rows).isEqualTo(1L));
        // the second stream was read by its own group only: the shipped route never saw it
        assertThat(redis.opsForStream().groups(SECOND_STREAM)).extracting(g -> g.groupName()).containsExactly(SECOND_GROUP);
    }
}
