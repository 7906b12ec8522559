package ai.bud.metrics.web;

import ai.bud.metrics.errors.ErrorEnvelope;
import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/** Writes SPEC section 5's error envelope from a servlet filter (outside any route). */
final class EnvelopeWriter {

    private final ObjectMapper mapper;

    EnvelopeWriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    void write(HttpServletResponse response, int status, String message, List<FieldError> errors) throws IOException {
        byte[] body = mapper.writeValueAsBytes(ErrorEnvelope.of(status, message, errors));
        response.setStatus(status);
        if (status == 503 && !response.containsHeader("Retry-After")) {
            response.setHeader("Retry-After", Long.toString(ErrorResponses.STORAGE_RETRY_AFTER_SECONDS));
        }
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
