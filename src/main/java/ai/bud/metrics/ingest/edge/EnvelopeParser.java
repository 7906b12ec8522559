package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.ingest.Delivery;
import ai.bud.metrics.ingest.DeliveryKind;
import ai.bud.metrics.ingest.RawEntry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads every body shape of SPEC section 3 into a {@link Delivery}: a Dapr bulk envelope; a CloudEvent
 * whose data is one event or a bulk envelope (what the gateway publishes); the event's fields themselves.
 * In a bulk, each {@code event} may be a CloudEvent or the fields, as an object or as a JSON string.
 * A problem of the whole delivery throws {@link MalformedDeliveryException}; a problem of one entry makes
 * that entry undecodable (it is dead-lettered, the others go on).
 */
public final class EnvelopeParser {

    private final ObjectReader reader;

    public EnvelopeParser(ObjectMapper mapper) {
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public Delivery parse(byte[] body) {
        if (body == null || isBlank(body)) {
            throw new MalformedDeliveryException("body", "is empty; expected a JSON object (Dapr bulk envelope, CloudEvent or event)");
        }
        JsonNode root;
        try {
            root = reader.readTree(body);
        } catch (IOException e) {
            throw new MalformedDeliveryException("body", "is not valid JSON (" + problem(e) + ")");
        }
        return parse(root, null);
    }

    /** A delivery already read as JSON; {@code reference} tags every entry (the Redis stream entry id). */
    public Delivery parse(JsonNode root, String reference) {
        if (root == null || !root.isObject()) {
            throw new MalformedDeliveryException("body", "must be a JSON object");
        }
        if (root.has("entries")) {
            return new Delivery(DeliveryKind.DAPR_BULK, flatten(bulk(root, "entries"), reference));
        }
        if (CloudEvent.looksLike(root)) {
            CloudEvent event;
            try {
                event = cloudEvent(root, "data");
            } catch (MalformedDeliveryException e) {
                // one undecodable event: dead-lettered and answered DROP, so Dapr does not redeliver it forever
                return new Delivery(DeliveryKind.CLOUD_EVENT, List.of(RawEntry.undecodable(0, null, root.toString(), e.getMessage(), reference)));
            }
            JsonNode data = event.data();
            if (data != null && data.isObject() && data.has("entries")) {
                return new Delivery(DeliveryKind.CLOUD_EVENT_BULK, flatten(bulk(data, "data.entries"), reference));
            }
            return new Delivery(DeliveryKind.CLOUD_EVENT, List.of(RawEntry.of(0, null, data, root, reference)));
        }
        return new Delivery(DeliveryKind.RAW, List.of(RawEntry.of(0, null, root, root, reference)));
    }

    /** The bulk envelope in {@code node}; {@code field} names its entries in error messages. */
    DaprBulkEnvelope bulk(JsonNode node, String field) {
        JsonNode entries = node.get("entries");
        if (entries == null || entries.isNull()) {
            throw new MalformedDeliveryException(field, "is required");
        }
        if (!entries.isArray()) {
            throw new MalformedDeliveryException(field, "must be a list of entries");
        }
        if (entries.isEmpty()) {
            throw new MalformedDeliveryException(field, "must not be empty");
        }
        List<BulkEntry> list = new ArrayList<>(entries.size());
        for (JsonNode entry : entries) {
            if (!entry.isObject()) {
                list.add(new BulkEntry(null, entry, null));
            } else {
                list.add(new BulkEntry(text(entry, "entryId"), entry.get("event"), text(entry, "contentType")));
            }
        }
        return new DaprBulkEnvelope(text(node, "id"), text(node, "pubsubname"), text(node, "topic"), text(node, "type"), list);
    }

    private List<RawEntry> flatten(DaprBulkEnvelope envelope, String reference) {
        List<RawEntry> entries = new ArrayList<>(envelope.entries().size());
        int index = 0;
        for (BulkEntry entry : envelope.entries()) {
            entries.add(entry(index++, entry, reference));
        }
        return entries;
    }

    private RawEntry entry(int index, BulkEntry entry, String reference) {
        JsonNode received = entry.event();
        JsonNode event = received;
        if (entry.entryId() == null && entry.contentType() == null && event != null && !event.isObject() && !event.isTextual()) {
            return RawEntry.undecodable(index, null, payload(received), "entry: must be an object with entryId and event", reference);
        }
        if (event == null || event.isNull()) {
            return RawEntry.undecodable(index, entry.entryId(), payload(received), "event: is required", reference);
        }
        if (event.isTextual()) {
            try {
                event = reader.readTree(event.textValue());
            } catch (JsonProcessingException e) {
                return RawEntry.undecodable(index, entry.entryId(), payload(received), "event: is a string that is not valid JSON", reference);
            }
        }
        if (!event.isObject()) {
            return RawEntry.undecodable(index, entry.entryId(), payload(received), "event: must be a JSON object", reference);
        }
        JsonNode fields = event;
        if (CloudEvent.looksLike(event)) {
            try {
                fields = cloudEvent(event, "event.data").data();
            } catch (MalformedDeliveryException e) {
                return RawEntry.undecodable(index, entry.entryId(), payload(received), e.getMessage(), reference);
            }
            if (fields != null && fields.isObject() && fields.has("entries")) {
                return RawEntry.undecodable(index, entry.entryId(), payload(received), "event.data: a bulk inside a bulk entry is not supported",
                        reference);
            }
        }
        // the payload (for a dead letter) is the event as received: its text, or its JSON written when needed
        return received.isTextual() ? new RawEntry(index, entry.entryId(), fields, received.textValue(), null, reference)
                : RawEntry.of(index, entry.entryId(), fields, received, reference);
    }

    private static String payload(JsonNode received) {
        return received == null ? "null" : received.isTextual() ? received.textValue() : received.toString();
    }

    /** The CloudEvent with its data decoded (JSON string and data_base64 forms included). */
    CloudEvent cloudEvent(JsonNode node, String field) {
        JsonNode data = node.get("data");
        if ((data == null || data.isNull()) && node.hasNonNull("data_base64")) {
            try {
                data = reader.readTree(Base64.getDecoder().decode(node.get("data_base64").asText()));
            } catch (IOException | IllegalArgumentException e) {
                throw new MalformedDeliveryException(field + "_base64", "does not hold base64 JSON");
            }
        } else if (data != null && data.isTextual()) {
            try {
                data = reader.readTree(data.textValue());
            } catch (IOException e) {
                throw new MalformedDeliveryException(field, "is a string that is not valid JSON");
            }
        }
        return new CloudEvent(text(node, "id"), text(node, "source"), text(node, "type"), text(node, "specversion"),
                text(node, "datacontenttype"), data);
    }

    /** The CloudEvent {@code type} of a JSON object, or null. */
    static String type(JsonNode node) {
        return text(node, "type");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * What is wrong with a body that is not JSON, and where, in the reader's terms rather than Jackson's (its messages
     * name its classes and features, which do not belong in a reply).
     */
    private static String problem(IOException e) {
        if (!(e instanceof JsonProcessingException json)) {
            return "it cannot be read";
        }
        String message = String.valueOf(json.getOriginalMessage());
        String what;
        if (json instanceof com.fasterxml.jackson.core.io.JsonEOFException || message.startsWith("Unexpected end-of-input")) {
            what = "it ends before the JSON value is complete";
        } else if (message.startsWith("Trailing token")) {
            what = "there is more after the JSON value";
        } else if (message.startsWith("Invalid UTF-8") || message.startsWith("Invalid UTF-32")) {
            what = "it is not UTF-8 text";
        } else {
            what = "unexpected character or token";
        }
        com.fasterxml.jackson.core.JsonLocation at = json.getLocation();
        return at == null || at.getLineNr() < 1 ? what : what + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
}
