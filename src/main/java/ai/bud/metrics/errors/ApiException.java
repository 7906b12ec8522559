package ai.bud.metrics.errors;

import java.util.List;

/**
 * An error the caller should see, with its HTTP status. Routes map it (and only it, plus the storage
 * failures) to the error envelope of SPEC section 5; anything else is an unexpected 500.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final List<FieldError> errors;
    private final Long retryAfterSeconds;

    public ApiException(int status, String message, List<FieldError> errors) {
        super(message);
        this.status = status;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfterSeconds = null;
    }

    /** An error the caller may retry later: {@code retryAfterSeconds} becomes the {@code Retry-After} header. */
    public ApiException(int status, String message, List<FieldError> errors, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ApiException(int status, String message, List<FieldError> errors, Throwable cause) {
        this(status, message, errors);
        initCause(cause);
    }

    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, List.of(new FieldError(field, message)));
    }

    /** 422 for all of {@code errors}; the message names the first {@value ErrorEnvelope#MAX_ERRORS} fields. */
    public static ApiException unprocessable(List<FieldError> errors) {
        List<String> fields = errors.stream().map(FieldError::field).distinct().toList();
        String message = errors.size() == 1 ? errors.get(0).message()
                : errors.size() + " invalid fields: " + String.join(", ", fields.stream().limit(ErrorEnvelope.MAX_ERRORS)
                        .map(f -> ErrorEnvelope.cut(f, 40)).toList()) + (fields.size() > ErrorEnvelope.MAX_ERRORS ? ", …" : "");
        return new ApiException(422, message, errors);
    }

    public static ApiException unprocessable(String field, String message) {
        return new ApiException(422, message, List.of(new FieldError(field, message)));
    }

    public static ApiException unsupportedMediaType(String message) {
        return new ApiException(415, message, List.of(new FieldError("Content-Type", message)));
    }

    public static ApiException payloadTooLarge(String message) {
        return new ApiException(413, message, List.of(new FieldError("body", message)));
    }

    public static ApiException storageUnavailable(String message, Throwable cause) {
        return new ApiException(503, message, List.of(), cause);
    }

    /** 503 for an overloaded service (not a storage failure): retry after the given seconds. */
    public static ApiException serviceUnavailable(String message, long retryAfterSeconds) {
        return new ApiException(503, message, List.of(), retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** Seconds for {@code Retry-After}, or null when the error does not say. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
