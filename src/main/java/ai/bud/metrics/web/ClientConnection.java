package ai.bud.metrics.web;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether the client of a request still holds its connection, read from the kernel's TCP tables ({@code /proc/net/tcp},
 * {@code /proc/net/tcp6}). Tomcat reads the socket of an asynchronous request only when the application reads or writes
 * it, so it does not tell the application that a client closed its connection while the answer was being computed: the
 * kernel knows (the server's end of the connection is then in CLOSE_WAIT). Where the tables cannot be read (not Linux),
 * a client is never seen to go away.
 *
 * @param localPort  the server's port of the connection
 * @param remotePort the client's port
 */
public record ClientConnection(int localPort, int remotePort) {

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String ESTABLISHED = "01";

    public static ClientConnection of(HttpServletRequest request) {
        return new ClientConnection(request.getLocalPort(), request.getRemotePort());
    }

    /**
     * True when the kernel lists no established connection between the two ports any more (the client closed it, or it
     * is gone altogether); false while it is established, or when the tables cannot be read.
     */
    public boolean gone() {
        boolean read = false;
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            read = true;
            for (int i = 1; i < lines.size(); i++) {
                String[] fields = lines.get(i).trim().split("\\s+");
                if (fields.length > 3 && port(fields[1]) == localPort && port(fields[2]) == remotePort && ESTABLISHED.equals(fields[3])) {
                    return false;
                }
            }
        }
        return read;
    }

    /** The port of an {@code address:PORT} field, in hex. */
    private static int port(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        try {
            return colon < 0 ? -1 : Integer.parseInt(endpoint.substring(colon + 1), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
