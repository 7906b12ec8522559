package ai.bud.metrics.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.EnumMap;
import java.util.Map;
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
 *
 * <p>A cached answer is the same array on every hit, so its compressed forms are kept beside it: per coding, keyed by
 * the body array itself (weak keys, compared by identity: a form lives as long as its body is referenced, by the
 * analytics cache or a request), bounded by their bytes. A hit then costs no compression; a recomputed answer is a new
 * array and is compressed anew.
 */
public class BodyCompression {

    static final String ACCEPT_ENCODING = "budmetrics.acceptEncoding";
    static final String RESPONSE = "budmetrics.servletResponse";

    /** Bodies below this are compressed every time (cheap); above it their compressed forms are kept. */
    static final int KEEP_FROM = 16 * 1024;
    private static final long KEPT_BYTES = 64L * 1024 * 1024;

    private final Compressors compressors;
    private final long minSize;
    private final Map<ContentCoding, Cache<byte[], byte[]>> kept = new EnumMap<>(ContentCoding.class);

    /** @param compressors null when compression is off: then every step here is a no-op */
    public BodyCompression(Compressors compressors, long minSize) {
        this.compressors = compressors;
        this.minSize = minSize;
        for (ContentCoding coding : ContentCoding.values()) {
            kept.put(coding, Caffeine.newBuilder().weakKeys().maximumWeight(KEPT_BYTES / ContentCoding.values().length)
                    .<byte[], byte[]>weigher((body, compressed) -> compressed.length).build());
        }
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
        response.setHeader("Content-Encoding", coding.get().token());
        ContentCoding chosen = coding.get();
        message.setBody(body.length < KEEP_FROM ? encode(chosen, body) : kept.get(chosen).get(body, b -> encode(chosen, b)));
    }

    /** {@code body} in {@code coding}. */
    byte[] encode(ContentCoding coding, byte[] body) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream(Math.max(1024, body.length / 32));
        try (OutputStream out = compressors.open(coding, compressed)) {
            out.write(body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // writing to memory: only a broken native compressor gets here
        }
        return compressed.toByteArray();
    }
}
