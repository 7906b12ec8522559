package ai.bud.metrics.web;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.ErrorEnvelope;
import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.stereotype.Component;

/**
 * Turns the exception an exchange failed with into the SPEC section 5 envelope and status. Used by the
 * {@code api-errors} route configuration (routes/errors.camel.yaml). An answer never carries engine text or Java
 * names: a 5xx says what happened in the service's words plus an error id, and the log line with that id has the
 * exception; a 4xx whose text looks like the engine's (a storage refusal passed on as a validation error) is
 * answered the same way.
 */
@Component("errorResponses")
public class ErrorResponses {

    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    /**
     * ClickHouse codes that say the statement or a value in it is wrong (a defect of the service, 500), as opposed to
     * the engine being unable to serve now (503): UNSUPPORTED_METHOD, CANNOT_PARSE_TEXT, NOT_FOUND_COLUMN_IN_BLOCK,
     * NO_SUCH_COLUMN_IN_TABLE, CANNOT_PARSE_INPUT_ASSERTION_FAILED, BAD_ARGUMENTS, CANNOT_PARSE_DATE,
     * CANNOT_PARSE_DATETIME, NUMBER_OF_ARGUMENTS_DOESNT_MATCH, ILLEGAL_TYPE_OF_ARGUMENT, ILLEGAL_COLUMN,
     * UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, NOT_IMPLEMENTED, LOGICAL_ERROR, TYPE_MISMATCH, SYNTAX_ERROR,
     * ARGUMENT_OUT_OF_BOUND, CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER, UNKNOWN_SETTING, MULTIPLE_EXPRESSIONS_FOR_ALIAS,
     * ILLEGAL_AGGREGATION, NOT_AN_AGGREGATE, AMBIGUOUS_COLUMN_NAME, NO_COMMON_TYPE, INVALID_JOIN_ON_EXPRESSION,
     * DECIMAL_OVERFLOW, UNKNOWN_QUERY_PARAMETER, BAD_QUERY_PARAMETER, INVALID_WITH_FILL_EXPRESSION.
     */
    static final Set<Integer> STATEMENT_ERRORS = Set.of(1, 6, 10, 16, 27, 36, 38, 41, 42, 43, 44, 46, 47, 48, 49, 53, 62, 69, 70,
            72, 115, 179, 184, 215, 352, 386, 403, 407, 456, 457, 475);

    /** What only the engine or the JVM writes: error codes, exception names, stack frames, generated SQL. */
    static final Pattern ENGINE_TEXT = Pattern.compile(
            "DB::Exception|\\bCode: \\d+|Exception\\b|\\bjava\\.[a-z]|\\bat [\\w$]+\\.[\\w$.]+\\(|\\bSELECT\\s|\\bFROM\\s+[`\\w]+\\.|/tmp/");

    static final long STORAGE_RETRY_AFTER_SECONDS = 5;

    private final ObjectMapper mapper;

    public ErrorResponses(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Writes status, content type and JSON body of the error the exchange caught. */
    public void render(Exchange exchange) throws JsonProcessingException {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ErrorEnvelope envelope = envelopeFor(caught);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, envelope.code());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        ApiException api = find(caught, ApiException.class);
        if (api != null && api.retryAfterSeconds() != null) {
            exchange.getMessage().setHeader("Retry-After", Long.toString(api.retryAfterSeconds()));
        } else if (envelope.code() == 503) {
            exchange.getMessage().setHeader("Retry-After", Long.toString(STORAGE_RETRY_AFTER_SECONDS));
        }
        exchange.getMessage().setBody(mapper.writeValueAsBytes(envelope));
    }

    public ErrorEnvelope envelopeFor(Throwable caught) {
        ApiException api = find(caught, ApiException.class);
        if (api != null) {
            if (api.status() >= 500) {
                String id = newId();
                logWithId(log.atWarn(), id, api.getCause(), "error_id={} status={} {}", id, api.status(), api.getMessage());
                return ErrorEnvelope.of(api.status(), withId(api.getMessage(), id), api.errors(), id);
            }
            if (looksLikeEngineText(api)) {
                String id = newId();
                logWithId(log.atWarn(), id, caught, "error_id={} status={} answer withheld (engine text): {} {}", id, api.status(),
                        api.getMessage(), api.errors());
                List<FieldError> errors = api.errors().stream()
                        .map(e -> new FieldError(e.field(), withId("refused; the reason is in the service log", id))).toList();
                String field = errors.isEmpty() ? "the request" : errors.get(0).field();
                return ErrorEnvelope.of(api.status(), withId(field + " was refused; the reason is in the service log", id), errors, id);
            }
            return ErrorEnvelope.of(api.status(), api.getMessage(), api.errors());
        }
        String id = newId();
        SQLException sql = find(caught, SQLException.class);
        if (sql != null && !STATEMENT_ERRORS.contains(sql.getErrorCode())) {
            logWithId(log.atWarn(), id, caught, "error_id={} status=503 storage unavailable (engine code {})", id, sql.getErrorCode());
            return ErrorEnvelope.of(503, withId("storage is unavailable; retry later", id), List.of(), id);
        }
        logWithId(log.atError(), id, caught, "error_id={} status=500 unexpected error", id);
        return ErrorEnvelope.of(500, withId("internal error", id), List.of(), id);
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * The log line of an error answer: the exception, and the error id both in the text and as its own field
     * ({@code error_id}) of a structured line (LOG_FORMAT=json), beside the request's {@code request_id}.
     */
    static void logWithId(LoggingEventBuilder line, String id, Throwable cause, String format, Object... arguments) {
        line.addKeyValue("error_id", id).setCause(cause).log(format, arguments);
    }

    static String withId(String message, String id) {
        return message + " (error id " + id + ")";
    }

    /**
     * The reasons are checked, not the field names (a caller's own unknown field may be called anything); the message
     * only when there are no field errors, as it otherwise repeats their reason or lists their names.
     */
    private static boolean looksLikeEngineText(ApiException api) {
        if (api.errors().isEmpty() && ENGINE_TEXT.matcher(api.getMessage() == null ? "" : api.getMessage()).find()) {
            return true;
        }
        for (FieldError error : api.errors()) {
            if (error.message() != null && ENGINE_TEXT.matcher(error.message()).find()) {
                return true;
            }
        }
        return false;
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
