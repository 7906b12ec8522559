package ai.bud.metrics.web;

import java.util.List;
import java.util.Map;

/** The old service's error body: {@code {"object":"error","code","type","message","param":{"errors":[…]}}}. */
public record ErrorEnvelope(String object, int code, String type, String message, Map<String, List<FieldError>> param) {

    public static ErrorEnvelope of(int status, String message, List<FieldError> errors) {
        return new ErrorEnvelope("error", status, typeOf(status), message, Map.of("errors", errors == null ? List.of() : errors));
    }

    static String typeOf(int status) {
        return switch (status) {
            case 400 -> "BadRequestError";
            case 401 -> "UnauthorizedError";
            case 403 -> "ForbiddenError";
            case 404 -> "NotFoundError";
            case 405 -> "MethodNotAllowedError";
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
