package ai.bud.metrics.ingest.edge;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The CloudEvent attributes the service looks at. {@code data} is already decoded: a JSON object (or
 * whatever JSON the event carried), also when it arrived as a JSON string or as {@code data_base64}.
 */
public record CloudEvent(String id, String source, String type, String specversion, String datacontenttype, JsonNode data) {

    /** A JSON object is read as a CloudEvent when it has CloudEvent attributes; the event fields never do. */
    static boolean looksLike(JsonNode node) {
        return node != null && node.isObject() && (node.has("specversion") || node.has("data") || node.has("data_base64"));
    }
}
