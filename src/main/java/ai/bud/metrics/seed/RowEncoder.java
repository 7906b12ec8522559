package ai.bud.metrics.seed;

import ai.bud.metrics.seed.GeneratedInference.ModelCall;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/** Turns generated inferences into bytes on the wire: ClickHouse JSONEachRow rows, or a Dapr bulk envelope. */
final class RowEncoder {

    static final String DETAILS_COLUMNS = "inference_id, request_ip, project_id, endpoint_id, model_id, cost, response_analysis, "
            + "is_success, request_arrival_time, request_forward_time, api_key_id, user_id, api_key_project_id, error_code, "
            + "error_message, error_type, status_code";
    static final String MODEL_INFERENCE_COLUMNS = "id, inference_id, raw_request, raw_response, model_name, model_provider_name, "
            + "input_tokens, output_tokens, response_time_ms, ttft_ms, system, input_messages, output, cached, finish_reason";

    /** ClickHouse's DateTime64(3) text; the server's timezone is UTC. */
    private static final DateTimeFormatter CLICKHOUSE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    /** The event's ISO-8601 time without an offset, which the API reads as UTC. */
    private static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private static final JsonFactory JSON = new JsonFactory();

    private RowEncoder() {
    }

    /** JSONEachRow rows for {@code INSERT INTO ModelInferenceDetails (DETAILS_COLUMNS)}. */
    static byte[] detailsRows(List<GeneratedInference> batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.size() * 520);
        try (JsonGenerator json = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.setRootValueSeparator(null);
            for (GeneratedInference inference : batch) {
                json.writeStartObject();
                json.writeStringField("inference_id", inference.inferenceId().toString());
                stringOrNull(json, "request_ip", storedIp(inference.requestIp()));
                json.writeStringField("project_id", inference.projectId().toString());
                json.writeStringField("endpoint_id", inference.endpointId().toString());
                json.writeStringField("model_id", inference.modelId().toString());
                numberOrNull(json, "cost", inference.cost());
                json.writeFieldName("response_analysis");
                writeValue(json, inference.responseAnalysis());
                json.writeBooleanField("is_success", inference.success());
                json.writeStringField("request_arrival_time", CLICKHOUSE_TIME.format(Instant.ofEpochMilli(inference.arrivalMillis())));
                json.writeStringField("request_forward_time", CLICKHOUSE_TIME.format(Instant.ofEpochMilli(inference.forwardMillis())));
                errorFields(json, inference);
                json.writeEndObject();
                json.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** JSONEachRow rows for {@code INSERT INTO ModelInference (MODEL_INFERENCE_COLUMNS)}; inferences without a call are skipped. */
    static byte[] modelInferenceRows(List<GeneratedInference> batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.size() * 700);
        try (JsonGenerator json = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.setRootValueSeparator(null);
            for (GeneratedInference inference : batch) {
                ModelCall call = inference.modelCall();
                if (call == null) {
                    continue;
                }
                json.writeStartObject();
                json.writeStringField("id", call.id().toString());
                json.writeStringField("inference_id", inference.inferenceId().toString());
                json.writeStringField("raw_request", call.rawRequest());
                json.writeStringField("raw_response", call.rawResponse());
                json.writeStringField("model_name", call.modelName());
                json.writeStringField("model_provider_name", call.providerName());
                numberOrNull(json, "input_tokens", call.inputTokens());
                numberOrNull(json, "output_tokens", call.outputTokens());
                numberOrNull(json, "response_time_ms", call.responseTimeMs());
                numberOrNull(json, "ttft_ms", call.ttftMs());
                stringOrNull(json, "system", call.system());
                json.writeStringField("input_messages", call.inputMessages());
                json.writeStringField("output", call.output());
                json.writeBooleanField("cached", call.cached());
                stringOrNull(json, "finish_reason", call.finishReason());
                json.writeEndObject();
                json.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A Dapr bulk delivery (SPEC section 3) carrying the events' fields directly, as Dapr delivers raw payloads;
     * {@code entryId} is the inference id, so a reply's statuses map back to inferences.
     */
    static byte[] daprBulkEnvelope(String envelopeId, List<GeneratedInference> batch) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.size() * 700);
        try (JsonGenerator json = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeArrayFieldStart("entries");
            for (GeneratedInference inference : batch) {
                json.writeStartObject();
                json.writeStringField("entryId", inference.inferenceId().toString());
                json.writeObjectFieldStart("event");
                json.writeStringField("inference_id", inference.inferenceId().toString());
                json.writeStringField("project_id", inference.projectId().toString());
                json.writeStringField("endpoint_id", inference.endpointId().toString());
                json.writeStringField("model_id", inference.modelId().toString());
                json.writeBooleanField("is_success", inference.success());
                json.writeStringField("request_arrival_time", EVENT_TIME.format(Instant.ofEpochMilli(inference.arrivalMillis())));
                json.writeStringField("request_forward_time", EVENT_TIME.format(Instant.ofEpochMilli(inference.forwardMillis())));
                if (inference.cost() != null) {
                    json.writeNumberField("cost", inference.cost());
                }
                if (inference.requestIp() != null) {
                    json.writeStringField("request_ip", inference.requestIp());
                }
                if (inference.responseAnalysis() != null) {
                    json.writeFieldName("response_analysis");
                    writeValue(json, inference.responseAnalysis());
                }
                errorFields(json, inference);
                json.writeEndObject();
                json.writeStringField("contentType", "application/json");
                json.writeObjectFieldStart("metadata");
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeStringField("id", envelopeId);
            json.writeStringField("pubsubname", "pubsub");
            json.writeStringField("topic", "budMetricsMessages");
            json.writeStringField("type", "com.dapr.event.sent.bulk");
            json.writeObjectFieldStart("metadata");
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** How ClickHouse stores an address in the IPv6 column: IPv4 as IPv4-mapped. */
    static String storedIp(String ip) {
        if (ip == null) {
            return null;
        }
        return ip.indexOf(':') < 0 ? "::ffff:" + ip : ip;
    }

    private static void errorFields(JsonGenerator json, GeneratedInference inference) throws IOException {
        stringOrNull(json, "api_key_id", inference.apiKeyId());
        stringOrNull(json, "user_id", inference.userId());
        stringOrNull(json, "api_key_project_id", inference.apiKeyProjectId());
        stringOrNull(json, "error_code", inference.errorCode());
        stringOrNull(json, "error_message", inference.errorMessage());
        stringOrNull(json, "error_type", inference.errorType());
        numberOrNull(json, "status_code", inference.statusCode());
    }

    private static void stringOrNull(JsonGenerator json, String field, String value) throws IOException {
        if (value == null) {
            json.writeNullField(field);
        } else {
            json.writeStringField(field, value);
        }
    }

    private static void numberOrNull(JsonGenerator json, String field, Number value) throws IOException {
        if (value == null) {
            json.writeNullField(field);
        } else if (value instanceof Integer i) {
            json.writeNumberField(field, i);
        } else {
            json.writeNumberField(field, value.doubleValue());
        }
    }

    private static void writeValue(JsonGenerator json, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                json.writeFieldName(entry.getKey().toString());
                writeValue(json, entry.getValue());
            }
            json.writeEndObject();
        } else if (value instanceof List<?> list) {
            json.writeStartArray();
            for (Object item : list) {
                writeValue(json, item);
            }
            json.writeEndArray();
        } else if (value instanceof String s) {
            json.writeString(s);
        } else if (value instanceof Boolean b) {
            json.writeBoolean(b);
        } else if (value instanceof Integer i) {
            json.writeNumber(i);
        } else if (value instanceof Number n) {
            json.writeNumber(n.doubleValue());
        } else {
            json.writeString(value.toString());
        }
    }
}
