package ai.bud.metrics.ingest;

import ai.bud.metrics.ingest.store.InferenceEvent;
import com.fasterxml.jackson.databind.util.RawValue;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One stored event in the shape of its ModelInferenceDetails row, for routes: column names as keys, in table order,
 * and values as ClickHouse's JSON output gives them — UUIDs and the IPv6 address as text, times as
 * {@code yyyy-MM-dd HH:mm:ss.SSS} (UTC), {@code response_analysis} as the JSON object itself ({@link JsonText}: marshalled
 * as it was stored, never parsed again; its text in {@code simple}). {@code created_at} is the server's and not known
 * here. In {@code simple}: {@code ${body[project_id]}}.
 */
public final class StoredEvent {

    private StoredEvent() {
    }

    public static Map<String, Object> columns(InferenceEvent e) {
        Map<String, Object> row = new LinkedHashMap<>(24);
        row.put("inference_id", e.inferenceId().toString());
        row.put("request_ip", e.requestIp());
        row.put("project_id", e.projectId().toString());
        row.put("endpoint_id", e.endpointId().toString());
        row.put("model_id", e.modelId().toString());
        row.put("cost", e.cost());
        row.put("response_analysis", e.responseAnalysis() == null ? null : new JsonText(e.responseAnalysis()));
        row.put("is_success", e.isSuccess());
        row.put("request_arrival_time", time(e.requestArrivalTime()));
        row.put("request_forward_time", time(e.requestForwardTime()));
        row.put("api_key_id", e.apiKeyId());
        row.put("user_id", e.userId());
        row.put("api_key_project_id", e.apiKeyProjectId());
        row.put("error_code", e.errorCode());
        row.put("error_message", e.errorMessage());
        row.put("error_type", e.errorType());
        row.put("status_code", e.statusCode());
        return row;
    }

    /** JSON text that Jackson writes as it is (an object, not a string) and that reads as that text elsewhere. */
    public static final class JsonText extends RawValue {

        JsonText(String json) {
            super(json);
        }

        @Override
        public String toString() {
            return (String) rawValue();
        }
    }

    /** DateTime64(3) as ClickHouse writes it. */
    static String time(LocalDateTime t) {
        StringBuilder out = new StringBuilder(23);
        out.append(t.getYear()).append('-');
        two(out, t.getMonthValue()).append('-');
        two(out, t.getDayOfMonth()).append(' ');
        two(out, t.getHour()).append(':');
        two(out, t.getMinute()).append(':');
        two(out, t.getSecond()).append('.');
        int millis = t.getNano() / 1_000_000;
        return out.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10)).toString();
    }

    private static StringBuilder two(StringBuilder out, int value) {
        return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }
}
