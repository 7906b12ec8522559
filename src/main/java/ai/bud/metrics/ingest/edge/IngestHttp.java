package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.ingest.IngestBatch;
import ai.bud.metrics.web.RequestBody;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The HTTP edge of ingestion (routes/ingest-http.camel.yaml): checks content type and size, parses the body
 * into an {@link IngestBatch}, and turns the processed batch into the reply. Every delivery whose body could be
 * read gets 200 with Dapr's SUCCESS / DROP / RETRY (SPEC section 3): per entry in {@code statuses} for a bulk, one
 * {@code status} for a single delivery (a CloudEvent, or one event's fields as Dapr posts them with rawPayload) —
 * a 4xx or 5xx would make Dapr redeliver an event that can never be stored, or drop one that could.
 */
public class IngestHttp {

    static final String SOURCE = "http";

    private final EnvelopeParser parser;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    public IngestHttp(EnvelopeParser parser, ObjectMapper mapper, long maxBodyBytes) {
        this.parser = parser;
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    public IngestBatch parse(Exchange exchange) {
        Message message = exchange.getMessage();
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null && !isJson(contentType)) {
            throw ApiException.unsupportedMediaType("Content-Type must be application/json or application/cloudevents+json, not "
                    + contentType.strip());
        }
        Long declared = message.getHeader("Content-Length", Long.class);
        if (declared != null && declared > maxBodyBytes) {
            throw tooLarge();
        }
        byte[] body = RequestBody.read(exchange, maxBodyBytes, this::tooLarge);
        // a delivery that cannot be read throws MalformedDeliveryException: routes/errors.camel.yaml answers it (badRequest)
        return IngestBatch.of(SOURCE, parser.parse(body));
    }

    /**
     * The {@code onException} for {@link MalformedDeliveryException} (routes/errors.camel.yaml): the caught exception
     * becomes a 400 naming its field, which errorResponses.render then writes as SPEC section 5's envelope.
     */
    public void badRequest(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = caught; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof MalformedDeliveryException malformed) {
                exchange.setProperty(Exchange.EXCEPTION_CAUGHT, ApiException.badRequest(malformed.field(), malformed.getMessage()));
                return;
            }
        }
    }

    public void reply(Exchange exchange) throws JsonProcessingException {
        IngestBatch batch = exchange.getMessage().getBody(IngestBatch.class);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(mapper.writeValueAsBytes(IngestReply.of(batch)));
    }

    static boolean isJson(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
        return media.equals("application/json") || media.endsWith("+json");
    }

    private ApiException tooLarge() {
        return ApiException.payloadTooLarge("body is larger than " + maxBodyBytes + " bytes; send smaller batches");
    }
}
