package ai.bud.metrics.web;

import ai.bud.metrics.errors.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.apache.camel.Exchange;

/**
 * A request body as bytes, read at most one byte past its limit (the routes take it as a stream, useStreaming), for the
 * HTTP edges of analytics and ingest. Failures are answered in the service's own words: the container's text names
 * its classes.
 */
public final class RequestBody {

    private RequestBody() {
    }

    /** The body of {@code exchange}, empty when there is none; {@code tooLarge} when it is longer than {@code maxBytes}. */
    public static byte[] read(Exchange exchange, long maxBytes, Supplier<ApiException> tooLarge) {
        Object body = exchange.getMessage().getBody();
        byte[] bytes;
        if (body == null) {
            return new byte[0];
        } else if (body instanceof byte[] raw) {
            bytes = raw;
        } else if (body instanceof String text) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
        } else if (body instanceof InputStream in) {
            try (in) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            } catch (IOException e) {
                throw ApiException.badRequest("body", "cannot be read: the connection ended before the whole body arrived");
            }
        } else {
            bytes = exchange.getContext().getTypeConverter().tryConvertTo(byte[].class, exchange, body);
            if (bytes == null) {
                throw ApiException.badRequest("body", "must be a JSON object");
            }
        }
        if (bytes.length > maxBytes) {
            throw tooLarge.get();
        }
        return bytes;
    }
}
