package ai.bud.metrics.web;

import ai.bud.metrics.errors.ErrorEnvelope;
import ai.bud.metrics.errors.FieldError;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised outside the routes (unknown path, wrong method, servlet failures) in the same envelope; a 5xx carries
 * only an error id, and the log line with that id has the exception.
 */
@RestController
class JsonErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(JsonErrorController.class);

    @RequestMapping("/error")
    ResponseEntity<ErrorEnvelope> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value ? value : 500;
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        ErrorEnvelope envelope;
        if (status >= 500) {
            String id = ErrorResponses.newId();
            Object error = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            ErrorResponses.logWithId(log.atError(), id, error instanceof Throwable t ? t : null, "error_id={} status={} on {}", id, status, uri);
            String reason = HttpStatus.resolve(status) == null ? "error" : HttpStatus.resolve(status).getReasonPhrase().toLowerCase();
            envelope = ErrorEnvelope.of(status, ErrorResponses.withId(reason, id), List.of(), id);
        } else {
            envelope = switch (status) {
                case 404 -> ErrorEnvelope.of(404, "no such route: " + uri, List.of(new FieldError("path", "no such route")));
                case 405 -> ErrorEnvelope.of(405, "method " + request.getMethod() + " not allowed on " + uri,
                        List.of(new FieldError("method", "not allowed on this route")));
                default -> {
                    String reason = HttpStatus.resolve(status) == null ? "error" : HttpStatus.resolve(status).getReasonPhrase();
                    yield ErrorEnvelope.of(status, reason, List.of(new FieldError("request", reason)));
                }
            };
        }
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (status == 503) {
            // e.g. Spring's answer to an async request past its timeout: every 503 says when to come back (SPEC §6b)
            answer.header("Retry-After", Long.toString(ErrorResponses.STORAGE_RETRY_AFTER_SECONDS));
        }
        return answer.body(envelope);
    }
}
