package ai.bud.metrics.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.SQLException;
import java.util.List;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns the exception an exchange failed with into the SPEC section 5 envelope and status. Used by the
 * {@code api-errors} route configuration (routes/errors.camel.yaml).
 */
@Component("errorResponses")
public class ErrorResponses {

    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

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
            exchange.getMessage().setHeader("Retry-After", "5");
        }
        exchange.getMessage().setBody(mapper.writeValueAsBytes(envelope));
    }

    public ErrorEnvelope envelopeFor(Throwable caught) {
        ApiException api = find(caught, ApiException.class);
        if (api != null) {
            if (api.status() >= 500) {
                log.warn("{}: {}", api.getMessage(), api.getCause() == null ? "" : api.getCause().toString());
            }
            return ErrorEnvelope.of(api.status(), api.getMessage(), api.errors());
        }
        SQLException sql = find(caught, SQLException.class);
        if (sql != null) {
            log.warn("storage error", sql);
            return ErrorEnvelope.of(503, "storage unavailable: " + sql.getMessage(), List.of());
        }
        log.error("unexpected error", caught);
        return ErrorEnvelope.of(500, "internal error", List.of());
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
