package ai.bud.metrics.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Posts to /observability/add of a running test server. */
public final class Http {

    public record Reply(int status, JsonNode body, String text) {
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;

    public Http(int port) {
        this.uri = URI.create("http://127.0.0.1:" + port + "/observability/add");
    }

    public Reply post(Object body) {
        return post(body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json");
    }

    public Reply post(byte[] body, String contentType) {
        return send(HttpRequest.BodyPublishers.ofByteArray(body), contentType);
    }

    /** Without Content-Length (chunked), so only the received bytes can tell the size. */
    public Reply postChunked(byte[] body, String contentType) {
        return send(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)), contentType);
    }

    private Reply send(HttpRequest.BodyPublisher publisher, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120)).POST(publisher);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = TestEvents.MAPPER.readTree(response.body());
            } catch (IOException e) {
                json = null;
            }
            return new Reply(response.statusCode(), json, response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
