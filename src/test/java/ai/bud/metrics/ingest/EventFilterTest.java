package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.ingest.store.StoreColumns;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-event view of an IngestBatch for routes, without storage: eventFilter.drop, storedEvents, deadLetters. */
class EventFilterTest {

    private final TestEvents events = new TestEvents(11);
    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    private IngestBatch validated(List<ObjectNode> sent) {
        List<RawEntry> entries = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            entries.add(new RawEntry(i, "e" + i, sent.get(i), sent.get(i).toString(), null, null));
        }
        return new IngestFlow(null, null, null).validate(new IngestBatch("test", DeliveryKind.DAPR_BULK, entries));
    }

    private Exchange exchange(IngestBatch batch, String predicate) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody(batch);
        if (predicate != null) {
            exchange.setVariable(EventFilter.PREDICATE, predicate);
        }
        return exchange;
    }

    @Test
    void dropsTheValidEventsThePredicateMatchesAndAnswersThemSuccess() {
        List<ObjectNode> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ObjectNode event = events.event();
            event.put("cost", i);
            sent.add(event);
        }
        sent.get(5).put("cost", -1); // invalid: never seen by the filter
        IngestBatch batch = validated(sent);
        Exchange exchange = exchange(batch, "${body[cost]} >= 3 || ${body[inference_id]} == '" + sent.get(0).get("inference_id").asText() + "'");

        new EventFilter().drop(exchange);

        List<Outcome> outcomes = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            outcomes.add(batch.outcome(i));
            statuses.add(batch.status(i));
        }
        assertThat(outcomes).containsExactly(Outcome.DROPPED, null, null, Outcome.DROPPED, Outcome.DROPPED, Outcome.INVALID);
        assertThat(statuses).containsExactly("SUCCESS", "RETRY", "RETRY", "SUCCESS", "SUCCESS", "RETRY");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> dropped = exchange.getVariable(EventFilter.DROPPED, List.class);
        assertThat(dropped).extracting(row -> row.get("inference_id"))
                .containsExactly(id(sent.get(0)), id(sent.get(3)), id(sent.get(4)));
    }

    @Test
    void withoutAPredicateItRefusesToGuess() {
        IngestBatch batch = validated(List.of(events.event()));
        assertThatThrownBy(() -> new EventFilter().drop(exchange(batch, null))).hasMessageContaining(EventFilter.PREDICATE);
        assertThat(batch.outcome(0)).isNull();
    }

    @Test
    void storedEventsAreTheInsertedOnesAsTheirColumns() throws Exception {
        ObjectNode first = events.event();
        first.put("request_ip", "10.1.2.3");
        first.put("user_id", "u\t\"1\"");
        List<ObjectNode> sent = List.of(first, events.event(), events.event());
        IngestBatch batch = validated(sent);
        batch.set(0, Outcome.INSERTED);
        batch.set(1, Outcome.DUPLICATE);
        batch.set(2, Outcome.RETRY);

        List<Map<String, Object>> stored = batch.storedEvents();

        assertThat(stored).hasSize(1);
        Map<String, Object> row = stored.get(0);
        assertThat(row.keySet()).containsExactlyElementsOf(StoreColumns.DETAILS);
        assertThat(row.get("inference_id")).isEqualTo(id(first));
        assertThat(row.get("project_id")).isEqualTo(first.get("project_id").asText());
        assertThat(row.get("request_ip")).isEqualTo("::ffff:10.1.2.3");
        assertThat(row.get("user_id")).isEqualTo("u\t\"1\"");
        assertThat(row.get("cost")).isEqualTo(first.get("cost").asDouble());
        // the gateway's "…T…Z" times as ClickHouse writes DateTime64(3)
        assertThat(row.get("request_arrival_time")).isEqualTo(first.get("request_arrival_time").asText().replace('T', ' ').replace("Z", ""));
        assertThat(TestEvents.MAPPER.readTree(row.get("response_analysis").toString())).isEqualTo(first.get("response_analysis"));
        // marshalled as the object it is, not as a string
        assertThat(TestEvents.MAPPER.readTree(TestEvents.MAPPER.writeValueAsString(row)).get("response_analysis")).isEqualTo(first.get("response_analysis"));
    }

    @Test
    void deadLettersAreTheRejectedEntriesUntilWritten() {
        ObjectNode bad = events.event();
        bad.remove("project_id");
        IngestBatch batch = validated(List.of(events.event(), bad));
        assertThat(batch.hasDeadLetters()).isTrue();
        assertThat(batch.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.index()).isEqualTo(1);
            assertThat(letter.entryId()).isEqualTo("e1");
            assertThat(letter.inferenceId()).isEqualTo(id(bad));
            assertThat(letter.error()).startsWith("project_id:");
            assertThat(letter.payload()).isEqualTo(bad.toString());
        });
        assertThat(batch.status(1)).isEqualTo("RETRY");
        batch.deadLettersWritten();
        assertThat(batch.hasDeadLetters()).isFalse();
        assertThat(batch.deadLetters()).isEmpty();
        assertThat(batch.status(1)).isEqualTo("DROP");
    }

    private static String id(ObjectNode event) {
        return event.get("inference_id").asText();
    }
}
