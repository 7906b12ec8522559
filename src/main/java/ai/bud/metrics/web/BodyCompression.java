package ai.bud.metrics.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Compresses a body that is already whole in memory (the analytics answer) in a route step, so its time can be a
 * {@code compress} step of {@code Server-Timing}: {@link CompressionFilter} compresses while the body is written, after
 * the headers have gone. Same choice as the filter: the coding the client ranks best ({@link AcceptEncoding}) among those
 * that load, only above {@code min-size}. {@code Content-Encoding} and {@code Vary} are set on the servlet response
 * itself — the filter then passes the bytes through as they are, and Camel's HTTP binding, which gzips a body whose
 * message says {@code Content-Encoding: gzip}, never sees the header.
 */
public class BodyCompression {

    static final String ACCEPT_ENCODING = "budmetrics.acceptEncoding";
    static final String RESPONSE = "budmetrics.servletResponse";

    private final Compressors compressors;
    private final long minSize;

    /** @param compressors null when compression is off: then every step here is a no-op */
    public BodyCompression(Compressors compressors, long minSize) {
        this.compressors = compressors;
        this.minSize = minSize;
    }

    /** Keeps what {@link #compress} needs from the request, before a route drops the request headers. */
    public void remember(Exchange exchange) {
        Message message = exchange.getMessage();
        exchange.setProperty(ACCEPT_ENCODING, message.getHeader("Accept-Encoding", String.class));
        exchange.setProperty(RESPONSE, message.getHeader(Exchange.HTTP_SERVLET_RESPONSE, HttpServletResponse.class));
    }

    /** Compresses the body (bytes) when the client accepts a coding and it is larger than {@code min-size}. */
    public void compress(Exchange exchange) throws IOException {
        HttpServletResponse response = exchange.getProperty(RESPONSE, HttpServletResponse.class);
        if (compressors == null || response == null) {
            return;
        }
        response.addHeader("Vary", "Accept-Encoding");
        Message message = exchange.getMessage();
        byte[] body = message.getBody(byte[].class);
        Optional<ContentCoding> coding = AcceptEncoding.choose(exchange.getProperty(ACCEPT_ENCODING, String.class), compressors.available());
        if (body == null || body.length <= minSize || coding.isEmpty()) {
            return;
        }
        ByteArrayOutputStream compressed = new ByteArrayOutputStream(Math.max(1024, body.length / 32));
        try (OutputStream out = compressors.open(coding.get(), compressed)) {
            out.write(body);
        }
        response.setHeader("Content-Encoding", coding.get().token());
        message.setBody(compressed.toByteArray());
    }
}
