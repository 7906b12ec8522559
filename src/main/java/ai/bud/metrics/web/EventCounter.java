package ai.bud.metrics.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * How many events an ingest body carries, by a streaming pass that never builds objects: a Dapr bulk envelope
 * ({@code {"entries":[…]}}) counts its entries, a JSON array its elements, anything else (a CloudEvent, a raw
 * event, or a body that is not JSON, which the ingest route will reject) counts as one.
 */
final class EventCounter {

    private static final JsonFactory JSON = new JsonFactory();

    private EventCounter() {
    }

    static long count(byte[] body) {
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == JsonToken.START_ARRAY) {
                return Math.max(1, countElements(parser));
            }
            if (first == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("entries".equals(name) && value == JsonToken.START_ARRAY) {
                        return Math.max(1, countElements(parser));
                    }
                    parser.skipChildren();
                }
            }
            return 1;
        } catch (IOException e) {
            return 1;
        }
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
