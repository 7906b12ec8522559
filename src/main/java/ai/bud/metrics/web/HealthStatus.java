package ai.bud.metrics.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.HttpCodeStatusMapper;
import org.springframework.boot.actuate.health.SimpleHttpCodeStatusMapper;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code GET /health} on the app port (routes/health.camel.yaml): the overall status of the actuator's health
 * ({@code {"status":"UP"}}, 503 when down) and nothing else. Versions, addresses and stream names are on the
 * management port only, where probes and the Prometheus scrape come without the API token.
 */
@Component("healthStatus")
public class HealthStatus {

    private final ObjectProvider<HealthEndpoint> health;
    private final ObjectProvider<HttpCodeStatusMapper> codes;
    private final ObjectMapper json;

    /** Providers: a context without a web server (a test, a tool) may have no health endpoint, and never calls this. */
    public HealthStatus(ObjectProvider<HealthEndpoint> health, ObjectProvider<HttpCodeStatusMapper> codes, ObjectMapper mapper) {
        this.health = health;
        this.codes = codes;
        this.json = mapper;
    }

    public void reply(Exchange exchange) throws JsonProcessingException {
        HealthEndpoint endpoint = health.getIfAvailable();
        Status status = endpoint == null ? Status.UNKNOWN : endpoint.health().getStatus();
        HttpCodeStatusMapper statusCodes = codes.getIfAvailable(SimpleHttpCodeStatusMapper::new);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        int code = statusCodes.getStatusCode(status);
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, code);
        if (code == 503) {
            // every 503 of the service says when to come back (SPEC §6b)
            message.setHeader("Retry-After", Long.toString(ErrorResponses.STORAGE_RETRY_AFTER_SECONDS));
        }
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json.writeValueAsBytes(Map.of("status", status.getCode())));
    }
}
