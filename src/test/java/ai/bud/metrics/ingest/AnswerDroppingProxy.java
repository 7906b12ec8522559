package ai.bud.metrics.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay in front of the ClickHouse HTTP endpoint that loses the answer of every request whose bytes contain
 * {@code INSERT}: the request reaches ClickHouse and is executed, then, as soon as the answer starts, the relay
 * closes the caller's connection without passing a byte of it on — what a network failure after the server
 * committed looks like to a client ({@code NoHttpResponseException}). Requests are recorded by their first line.
 */
public final class AnswerDroppingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int upstreamPort;
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong inserts = new java.util.concurrent.atomic.AtomicLong();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public AnswerDroppingProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "answer-dropping-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** First lines of the requests seen whose text contains {@code marker}. */
    public long requestsContaining(String marker) {
        return requestLines.stream().filter(line -> line.contains(marker)).count();
    }

    /** Requests whose bytes (request line or body: JDBC sends its statement as the body) contain {@code INSERT}. */
    public long inserts() {
        return inserts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                sockets.add(client);
                sockets.add(upstream);
                AtomicBoolean dropping = new AtomicBoolean();
                start(() -> relayRequests(client, upstream, dropping));
                start(() -> relayAnswers(upstream, client, dropping));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relayRequests(Socket client, Socket upstream, AtomicBoolean dropping) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
            int n;
            boolean counted = false;
            while ((n = in.read(buffer)) > 0) {
                String text = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
                if (text.startsWith("POST ") || text.startsWith("GET ")) {
                    String line = text.lines().findFirst().orElse(text);
                    requestLines.add(line);
                    counted = false;
                }
                if (!counted && text.contains("INSERT")) {
                    counted = true;
                    inserts.incrementAndGet();
                    // set before the request goes on, so the answer cannot overtake it
                    dropping.set(true);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private void relayAnswers(Socket upstream, Socket client, AtomicBoolean dropping) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (dropping.get()) {
                    // the server has executed the INSERT and started answering: the caller never hears of it
                    break;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private static void start(Runnable relay) {
        Thread thread = new Thread(relay, "answer-dropping-proxy-relay");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }
}
