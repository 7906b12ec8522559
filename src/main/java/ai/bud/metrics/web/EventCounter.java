package ai.bud.metrics.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How many events an ingest body carries, by a streaming pass that never builds objects. It follows the shapes
 * the ingest route reads (SPEC section 3): a Dapr bulk envelope ({@code {"entries":[…]}}) counts its entries; a
 * CloudEvent whose {@code data} (an object, a JSON string or {@code data_base64}) is a bulk envelope counts that
 * envelope's entries, as the gateway publishes a batch; a JSON array counts its elements; anything else (one
 * CloudEvent, a raw event, or a body that is not JSON, which the ingest route will reject) counts as one.
 */
final class EventCounter {

    private static final JsonFactory JSON = new JsonFactory();

    private EventCounter() {
    }

    static long count(byte[] body) {
        try (JsonParser parser = JSON.createParser(body)) {
            return Math.max(1, countTop(parser));
        } catch (IOException | IllegalArgumentException e) {
            return 1;
        }
    }

    private static long countTop(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == JsonToken.START_ARRAY) {
            return countElements(parser);
        }
        if (first != JsonToken.START_OBJECT) {
            return 1;
        }
        // "entries" wins wherever it stands (the parser takes any object with entries as a bulk); else data's bulk
        long inData = 0;
        String dataBase64 = null;
        boolean hasData = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("entries".equals(name)) {
                return value == JsonToken.START_ARRAY ? countElements(parser) : 1;
            }
            if ("data".equals(name) && value != JsonToken.VALUE_NULL) {
                hasData = true;
                if (value == JsonToken.START_OBJECT) {
                    inData = entriesOf(parser);
                } else if (value == JsonToken.VALUE_STRING) {
                    inData = entriesOf(parser.getText().getBytes(StandardCharsets.UTF_8));
                } else {
                    parser.skipChildren();
                }
            } else if ("data_base64".equals(name) && value == JsonToken.VALUE_STRING) {
                dataBase64 = parser.getText();
            } else {
                parser.skipChildren();
            }
        }
        if (!hasData && dataBase64 != null) {
            return entriesOf(Base64.getDecoder().decode(dataBase64));
        }
        return inData;
    }

    /** The entries of the bulk envelope that {@code json} holds, or 0 when it holds none. */
    private static long entriesOf(byte[] json) throws IOException {
        try (JsonParser parser = JSON.createParser(json)) {
            return parser.nextToken() == JsonToken.START_OBJECT ? entriesOf(parser) : 0;
        }
    }

    /** With the parser just inside an object: the length of its {@code entries} array, or 0; the object is consumed. */
    private static long entriesOf(JsonParser parser) throws IOException {
        long found = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("entries".equals(name) && value == JsonToken.START_ARRAY) {
                found = countElements(parser);
            } else {
                parser.skipChildren();
            }
        }
        return found;
    }

    private static long countElements(JsonParser parser) throws IOException {
        long n = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token == null) {
                return n;
            }
            parser.skipChildren();
            n++;
        }
        return n;
    }
}
