package ai.bud.metrics.ingest;

import ai.bud.metrics.errors.FieldError;
import ai.bud.metrics.ingest.store.InferenceEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * SPEC section 3's field rules: the event's fields (a JSON object) become an {@link InferenceEvent}, or every
 * broken rule is reported at once. Unknown fields are ignored.
 */
public final class EventValidator {

    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final List<String> OPTIONAL_TEXT = List.of("api_key_id", "user_id", "api_key_project_id", "error_code",
            "error_message", "error_type");

    public InferenceEvent validate(JsonNode fields) {
        if (fields == null || !fields.isObject()) {
            throw new InvalidEventException(List.of(new FieldError("event", "must be a JSON object with the event's fields")));
        }
        List<FieldError> errors = new ArrayList<>();
        UUID inferenceId = uuid(fields, "inference_id", errors);
        UUID projectId = uuid(fields, "project_id", errors);
        UUID endpointId = uuid(fields, "endpoint_id", errors);
        UUID modelId = uuid(fields, "model_id", errors);
        Boolean isSuccess = null;
        JsonNode success = fields.get("is_success");
        if (absent(success)) {
            errors.add(new FieldError("is_success", "is required"));
        } else if (!success.isBoolean()) {
            errors.add(new FieldError("is_success", "must be true or false"));
        } else {
            isSuccess = success.booleanValue();
        }
        LocalDateTime arrival = time(fields, "request_arrival_time", errors);
        LocalDateTime forward = time(fields, "request_forward_time", errors);
        if (arrival != null && forward != null && forward.isBefore(arrival)) {
            errors.add(new FieldError("request_forward_time", "must not be before request_arrival_time"));
        }
        Double cost = null;
        JsonNode costNode = fields.get("cost");
        if (!absent(costNode)) {
            if (!costNode.isNumber() || !Double.isFinite(costNode.doubleValue())) {
                errors.add(new FieldError("cost", "must be a number"));
            } else if (costNode.doubleValue() < 0) {
                errors.add(new FieldError("cost", "must be >= 0"));
            } else {
                cost = costNode.doubleValue();
            }
        }
        String requestIp = null;
        JsonNode ipNode = fields.get("request_ip");
        if (!absent(ipNode) && !(ipNode.isTextual() && ipNode.textValue().isBlank())) {
            if (!ipNode.isTextual()) {
                errors.add(new FieldError("request_ip", "must be an IPv4 or IPv6 address"));
            } else {
                try {
                    requestIp = IpAddresses.toStoredForm(ipNode.textValue());
                } catch (IllegalArgumentException e) {
                    errors.add(new FieldError("request_ip", e.getMessage()));
                }
            }
        }
        String responseAnalysis = null;
        JsonNode analysis = fields.get("response_analysis");
        if (!absent(analysis)) {
            if (!analysis.isObject()) {
                errors.add(new FieldError("response_analysis", "must be a JSON object"));
            } else {
                int before = errors.size();
                JsonColumnCheck.check(analysis, "response_analysis", errors);
                if (errors.size() == before) {
                    responseAnalysis = analysis.toString();
                }
            }
        }
        String[] texts = new String[OPTIONAL_TEXT.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = optionalText(fields, OPTIONAL_TEXT.get(i), errors);
        }
        Integer statusCode = null;
        JsonNode status = fields.get("status_code");
        if (!absent(status)) {
            statusCode = statusCode(status);
            if (statusCode == null) {
                errors.add(new FieldError("status_code", "must be an integer between 0 and 65535"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidEventException(errors);
        }
        return new InferenceEvent(inferenceId, projectId, endpointId, modelId, isSuccess, arrival, forward, cost, requestIp,
                responseAnalysis, texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], statusCode);
    }

    /** The inference_id as sent, for reports about an invalid event (null when absent or not text). */
    public static String reportedId(JsonNode fields) {
        JsonNode id = fields == null || !fields.isObject() ? null : fields.get("inference_id");
        return id != null && id.isTextual() ? id.textValue() : null;
    }

    private static boolean absent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    private static UUID uuid(JsonNode fields, String name, List<FieldError> errors) {
        JsonNode node = fields.get(name);
        if (absent(node)) {
            errors.add(new FieldError(name, "is required"));
            return null;
        }
        if (node.isTextual()) {
            UUID canonical = canonicalUuid(node.textValue());
            if (canonical != null) {
                return canonical;
            }
        }
        if (!node.isTextual() || !UUID_TEXT.matcher(node.textValue().strip()).matches()) {
            errors.add(new FieldError(name, "must be a UUID"));
            return null;
        }
        return UUID.fromString(node.textValue().strip());
    }

    /**
     * The UUID of a text in the 8-4-4-4-12 hex form without surrounding blanks (what every sender writes), or null
     * for anything else, which then goes through the general rule above. Same result as the pattern plus
     * {@link UUID#fromString}, without either.
     */
    static UUID canonicalUuid(String text) {
        if (text.length() != 36 || text.charAt(8) != '-' || text.charAt(13) != '-' || text.charAt(18) != '-' || text.charAt(23) != '-') {
            return null;
        }
        long high = 0;
        long low = 0;
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                continue;
            }
            int digit = hex(text.charAt(i));
            if (digit < 0) {
                return null;
            }
            if (i < 19) {
                high = high << 4 | digit;
            } else {
                low = low << 4 | digit;
            }
        }
        return new UUID(high, low);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static LocalDateTime time(JsonNode fields, String name, List<FieldError> errors) {
        JsonNode node = fields.get(name);
        if (absent(node)) {
            errors.add(new FieldError(name, "is required"));
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new FieldError(name, "must be an ISO-8601 date-time string"));
            return null;
        }
        try {
            return EventTimes.parseUtc(node.textValue());
        } catch (DateTimeException e) {
            errors.add(new FieldError(name, e.getMessage()));
            return null;
        }
    }

    private static String optionalText(JsonNode fields, String name, List<FieldError> errors) {
        JsonNode node = fields.get(name);
        if (absent(node)) {
            return null;
        }
        if (!node.isValueNode()) {
            errors.add(new FieldError(name, "must be a string"));
            return null;
        }
        return node.asText();
    }

    private static Integer statusCode(JsonNode node) {
        long value;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            value = node.longValue();
        } else if (node.isTextual() && node.textValue().strip().matches("\\d{1,5}")) {
            value = Long.parseLong(node.textValue().strip());
        } else {
            return null;
        }
        return value >= 0 && value <= 65535 ? (int) value : null;
    }
}
