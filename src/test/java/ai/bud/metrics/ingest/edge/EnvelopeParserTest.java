package ai.bud.metrics.ingest.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.ingest.Delivery;
import ai.bud.metrics.ingest.DeliveryKind;
import ai.bud.metrics.ingest.RawEntry;
import ai.bud.metrics.ingest.TestEvents;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every body shape of SPEC section 3, and the deliveries that cannot be read at all. */
class EnvelopeParserTest {

    private final EnvelopeParser parser = new EnvelopeParser(TestEvents.MAPPER);
    private final TestEvents events = new TestEvents(11);

    private Delivery parse(Object body) {
        return parser.parse(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void daprBulkWithRawEvents() {
        List<ObjectNode> sent = List.of(events.event(), events.event());
        ObjectNode bulk = TestEvents.bulk(sent, false);
        Delivery delivery = parse(bulk);
        assertThat(delivery.kind()).isEqualTo(DeliveryKind.DAPR_BULK);
        assertThat(delivery.entries()).extracting(RawEntry::fields).containsExactlyElementsOf(sent);
        assertThat(delivery.entries()).extracting(RawEntry::entryId)
                .containsExactly(bulk.get("entries").get(0).get("entryId").asText(), bulk.get("entries").get(1).get("entryId").asText());
        assertThat(delivery.entries()).extracting(RawEntry::index).containsExactly(0, 1);
    }

    @Test
    void daprBulkWithCloudEventsAndJsonStrings() {
        ObjectNode a = events.event();
        ObjectNode b = events.event();
        ObjectNode c = events.event();
        ObjectNode bulk = TestEvents.bulk(List.of(a, b), true);
        ObjectNode third = ((com.fasterxml.jackson.databind.node.ArrayNode) bulk.get("entries")).addObject();
        third.put("entryId", "as-string");
        third.put("event", TestEvents.cloudEvent(c, "add_observability_metrics").toString());
        Delivery delivery = parse(bulk);
        assertThat(delivery.entries()).extracting(RawEntry::fields).containsExactly(a, b, c);
    }

    @Test
    void singleCloudEvent() {
        ObjectNode event = events.event();
        Delivery delivery = parse(TestEvents.cloudEvent(event, "add_observability_metrics"));
        assertThat(delivery.kind()).isEqualTo(DeliveryKind.CLOUD_EVENT);
        assertThat(delivery.entries()).extracting(RawEntry::fields).containsExactly(event);
    }

    @Test
    void cloudEventWithStringOrBase64Data() {
        ObjectNode event = events.event();
        ObjectNode ce = TestEvents.cloudEvent(event, "x");
        ce.put("data", event.toString());
        assertThat(parse(ce).entries().get(0).fields()).isEqualTo(event);
        ce.remove("data");
        ce.put("data_base64", Base64.getEncoder().encodeToString(event.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(parse(ce).entries().get(0).fields()).isEqualTo(event);
    }

    @Test
    void gatewayCloudEventCarryingABulk() {
        List<ObjectNode> sent = List.of(events.event(), events.event(), events.event());
        Delivery delivery = parse(TestEvents.gatewayEvent(sent));
        assertThat(delivery.kind()).isEqualTo(DeliveryKind.CLOUD_EVENT_BULK);
        assertThat(delivery.entries()).extracting(RawEntry::fields).containsExactlyElementsOf(sent);
        assertThat(delivery.entries()).allSatisfy(e -> assertThat(e.entryId()).isNotNull());
    }

    @Test
    void rawFields() {
        ObjectNode event = events.event();
        Delivery delivery = parse(event);
        assertThat(delivery.kind()).isEqualTo(DeliveryKind.RAW);
        assertThat(delivery.entries()).extracting(RawEntry::fields).containsExactly(event);
    }

    @Test
    void anUndecodableEntryDoesNotSpoilTheOthers() {
        ObjectNode bulk = TestEvents.bulk(List.of(events.event()), false);
        var entries = (com.fasterxml.jackson.databind.node.ArrayNode) bulk.get("entries");
        entries.addObject().put("entryId", "bad-string").put("event", "{not json");
        entries.addObject().put("entryId", "no-event");
        entries.add(42);
        Delivery delivery = parse(bulk);
        assertThat(delivery.entries()).hasSize(4);
        assertThat(delivery.entries().get(0).decodeError()).isNull();
        assertThat(delivery.entries().subList(1, 4)).allSatisfy(e -> assertThat(e.decodeError()).isNotNull());
        assertThat(delivery.entries().get(1).decodeError()).startsWith("event:");
    }

    @Test
    void malformedDeliveriesNameTheField() {
        assertThatThrownBy(() -> parser.parse(new byte[0])).isInstanceOfSatisfying(MalformedDeliveryException.class,
                e -> assertThat(e.field()).isEqualTo("body"));
        assertThatThrownBy(() -> parse("{\"entries\": ")).isInstanceOfSatisfying(MalformedDeliveryException.class,
                e -> assertThat(e.field()).isEqualTo("body"));
        assertThatThrownBy(() -> parse("{} {}")).isInstanceOf(MalformedDeliveryException.class);
        assertThatThrownBy(() -> parse("[1,2]")).isInstanceOfSatisfying(MalformedDeliveryException.class,
                e -> assertThat(e.field()).isEqualTo("body"));
        assertThatThrownBy(() -> parse("{\"entries\": {\"a\": 1}}")).isInstanceOfSatisfying(MalformedDeliveryException.class,
                e -> assertThat(e.field()).isEqualTo("entries"));
        assertThatThrownBy(() -> parse("{\"entries\": []}")).isInstanceOfSatisfying(MalformedDeliveryException.class,
                e -> assertThat(e.field()).isEqualTo("entries"));
        ObjectNode gateway = TestEvents.cloudEvent(TestEvents.MAPPER.createObjectNode().put("entries", "x"), "add_observability_metrics");
        assertThatThrownBy(() -> parse(gateway)).isInstanceOfSatisfying(MalformedDeliveryException.class,
                e -> assertThat(e.field()).isEqualTo("data.entries"));
    }

    @Test
    void aBodyThatIsNotJsonIsDescribedWithoutTheReadersInternals() {
        for (String body : List.of("{\"a\":1} {\"b\":2}", "{\"a\":1}xyz", "{\"a\":\u0000}", "[1,2", "{\"entries\": [", "nope")) {
            assertThatThrownBy(() -> parse(body)).as(body).isInstanceOfSatisfying(MalformedDeliveryException.class, e -> {
                assertThat(e.field()).isEqualTo("body");
                assertThat(e.getMessage()).startsWith("body: is not valid JSON (").containsPattern("line \\d+, column \\d+")
                        .doesNotContain("jackson", "Jackson", "com.", "Feature", "Source", "`");
            });
        }
        assertThatThrownBy(() -> parse("{\"a\":1} {\"b\":2}")).hasMessageContaining("more after the JSON value");
        assertThatThrownBy(() -> parse("[1,2")).hasMessageContaining("ends before the JSON value is complete");
        assertThatThrownBy(() -> parser.parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}))
                .hasMessageContaining("not UTF-8");
    }
}
