package ai.bud.metrics.errors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The old service's error body: {@code {"object":"error","code","type","message","param":{"errors":[…]}}}. {@code param}
 * also carries {@code total_errors} (how many were found; {@code errors} holds at most {@value #MAX_ERRORS} of them) and,
 * on a 5xx answer, {@code error_id}: the key of the log line that has the details.
 */
public record ErrorEnvelope(String object, int code, String type, String message, Map<String, Object> param) {

    public static final int MAX_ERRORS = 10;
    public static final int MAX_FIELD = 200;
    static final int MAX_MESSAGE = 1000;

    public static ErrorEnvelope of(int status, String message, List<FieldError> errors) {
        return of(status, message, errors, null);
    }

    /** The envelope with at most {@value #MAX_ERRORS} errors, long names and messages cut; {@code errorId} may be null. */
    public static ErrorEnvelope of(int status, String message, List<FieldError> errors, String errorId) {
        List<FieldError> all = errors == null ? List.of() : errors;
        Map<String, Object> param = new LinkedHashMap<>();
        param.put("errors", all.stream().limit(MAX_ERRORS)
                .map(e -> new FieldError(cut(e.field(), MAX_FIELD), cut(e.message(), MAX_MESSAGE))).toList());
        param.put("total_errors", all.size());
        if (errorId != null) {
            param.put("error_id", errorId);
        }
        return new ErrorEnvelope("error", status, typeOf(status), cut(message, MAX_MESSAGE), Collections.unmodifiableMap(param));
    }

    static String cut(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "…";
    }

    static String typeOf(int status) {
        return switch (status) {
            case 400 -> "BadRequestError";
            case 401 -> "UnauthorizedError";
            case 403 -> "ForbiddenError";
            case 404 -> "NotFoundError";
            case 405 -> "MethodNotAllowedError";
            case 406 -> "NotAcceptableError";
            case 413 -> "PayloadTooLargeError";
            case 415 -> "UnsupportedMediaTypeError";
            case 422 -> "UnprocessableEntityError";
            case 429 -> "TooManyRequestsError";
            case 503 -> "ServiceUnavailableError";
            case 504 -> "GatewayTimeoutError";
            default -> status >= 500 ? "InternalServerError" : "ClientError";
        };
    }
}
