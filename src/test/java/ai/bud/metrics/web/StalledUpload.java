package ai.bud.metrics.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A client that declares a body it never finishes sending: the request line, the headers (with the declared
 * {@code Content-Length}), the first bytes of the body — then it waits for an answer without sending more.
 * Over a raw socket, because an HTTP client library would refuse to send a body shorter than it declares.
 */
final class StalledUpload {

    record Answer(int status, String head, String body, long millis) {
    }

    private StalledUpload() {
    }

    /** The answer, or status -1 when none came within {@code waitMillis}. */
    static Answer send(int port, String path, String contentType, long declaredLength, byte[] sent, Map<String, String> headers,
                       int waitMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(waitMillis);
            StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n")
                    .append("Content-Type: ").append(contentType).append("\r\n")
                    .append("Content-Length: ").append(declaredLength).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            long started = System.nanoTime();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(sent);
            out.flush();
            String response;
            try {
                response = readResponse(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                return new Answer(-1, "", "", (System.nanoTime() - started) / 1_000_000);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            int split = response.indexOf("\r\n\r\n");
            String responseHead = split < 0 ? response : response.substring(0, split);
            String body = split < 0 ? "" : response.substring(split + 4);
            int status = Integer.parseInt(responseHead.substring(9, 12));
            return new Answer(status, responseHead, body, millis);
        }
    }

    /** Head and body of one response (with a Content-Length, or chunked). */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int bodyStart = -1;
        long length = -1;
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            received.write(buffer, 0, n);
            String text = received.toString(StandardCharsets.ISO_8859_1);
            if (bodyStart < 0 && text.contains("\r\n\r\n")) {
                bodyStart = text.indexOf("\r\n\r\n") + 4;
                for (String line : text.substring(0, bodyStart).split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).strip());
                    }
                }
            }
            if (bodyStart >= 0 && length >= 0 && received.size() >= bodyStart + length) {
                break;
            }
            if (bodyStart >= 0 && length < 0 && text.endsWith("\r\n0\r\n\r\n")) {
                break; // chunked: the last chunk came
            }
        }
        return received.toString(StandardCharsets.UTF_8);
    }
}
