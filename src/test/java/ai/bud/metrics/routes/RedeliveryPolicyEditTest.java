package ai.bud.metrics.routes;

import static ai.bud.metrics.routes.StreamFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.IngestBatch;
import ai.bud.metrics.ingest.RawEntry;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
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
 * Edit 7 of docs/DEVELOPMENT.md ("Change the redelivery policy"): a copy of routes/ whose stream route says
 * {@code maxDeliveries: 2} and a short back-off, while the properties keep their defaults (10 deliveries, 500 ms).
 * An entry that storage never takes (woven before the store step: it fails every exchange that carries it, so the
 * consumer halves each read until it is alone) is tried exactly twice, is then written to IngestDeadLetter through
 * the dead-letter route and acknowledged; the good entries published behind it are stored meanwhile.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "budmetrics.clickhouse.database=edit_redelivery_test", "budmetrics.redis.ingest-enabled=false",
        "budmetrics.redis.consumer-name=redelivery-consumer", "budmetrics.redis.consumers=1", "budmetrics.redis.block=100ms"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedeliveryPolicyEditTest {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String STREAM = "edit-redelivery-" + RUN;
    private static final String GROUP = "edit-redelivery-group-" + RUN;
    private static final String POISON = "never-stored-" + RUN;
    private static final int MAX_DELIVERIES = 2;

    /** The edit: the policy written in the route instead of taken from the properties. */
    static final EditedRoutes ROUTES = EditedRoutes.copy()
            .replace("ingest-redis.camel.yaml", "retryBackoff: \"{{budmetrics.redis.retry-backoff}}\"", "retryBackoff: 100ms")
            .replace("ingest-redis.camel.yaml", "maxRetryBackoff: \"{{budmetrics.redis.max-retry-backoff}}\"", "maxRetryBackoff: 200ms")
            .replace("ingest-redis.camel.yaml", "maxDeliveries: \"{{budmetrics.redis.max-deliveries}}\"", "maxDeliveries: " + MAX_DELIVERIES);

    @DynamicPropertySource
    static void edited(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
        registry.add("budmetrics.redis.stream", () -> STREAM);
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
    /** How often the poison entry was tried alone: once per delivery. */
    private final AtomicInteger poisonAttempts = new AtomicInteger();

    @BeforeAll
    void weavePoisonAndStart() throws Exception {
        fixture = new StreamFixture(redis, dataSource);
        AdviceWith.adviceWith(context, "ingest", route -> route.weaveById("store-events").before().process(exchange -> {
            IngestBatch batch = exchange.getMessage().getBody(IngestBatch.class);
            for (RawEntry entry : batch.entries()) {
                if (entry.fields() != null && POISON.equals(entry.fields().path("error_message").asText(null))) {
                    if (batch.size() == 1) {
                        poisonAttempts.incrementAndGet(); // the read is halved until the poison is alone: once per delivery
                    }
                    throw new IllegalStateException("storage refuses " + POISON);
                }
            }
        }));
        context.getRouteController().startRoute("ingest-redis-batch");
    }

    @AfterAll
    void tearDown() throws Exception {
        context.getRouteController().stopRoute("ingest-redis-batch");
        redis.delete(STREAM);
    }

    @Test
    void anEntryNeverStoredIsDeadLetteredAndAcknowledgedAfterExactlyTwoDeliveries() {
        ObjectNode poisonEvent = StreamFixture.event();
        poisonEvent.put("error_message", POISON);
        ObjectNode poison = StreamFixture.gatewayEvent(List.of(poisonEvent));
        RecordId poisonId = fixture.publish(STREAM, poison);
        List<ObjectNode> good = new ArrayList<>();
        RecordId last = null;
        for (int n = 0; n < 5; n++) {
            List<ObjectNode> events = List.of(StreamFixture.event(), StreamFixture.event());
            good.addAll(events);
            last = fixture.publish(STREAM, StreamFixture.gatewayEvent(events));
        }
        RecordId end = last;
        List<String> goodIds = StreamFixture.ids(good);

        await("the good entries behind the poison are stored", Duration.ofSeconds(30),
                () -> fixture.countsPerId(goodIds).size() == goodIds.size());
        await("everything read is acknowledged", Duration.ofSeconds(30),
                () -> fixture.delivered(STREAM, GROUP, end) && fixture.pending(STREAM, GROUP) == 0);

        assertThat(fixture.countsPerId(goodIds).values()).allMatch(rows -> rows == 1L);
        assertThat(fixture.countsPerId(List.of(poisonEvent.get("inference_id").asText()))).isEmpty();
        assertThat(poisonAttempts.get()).as("deliveries of the poison entry").isEqualTo(MAX_DELIVERIES);
        List<List<Object>> letters = fixture.query(
                "SELECT source, error, payload FROM IngestDeadLetter WHERE reference = ?", poisonId.getValue());
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).get(0)).isEqualTo("redis");
        assertThat((String) letters.get(0).get(1)).startsWith("not stored after " + MAX_DELIVERIES + " deliveries: ")
                .endsWith("storage refuses " + POISON);
        assertThat(letters.get(0).get(2)).isEqualTo(poison.toString());
    }
}
