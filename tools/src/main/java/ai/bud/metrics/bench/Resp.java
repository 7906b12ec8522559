package ai.bud.metrics.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The few Redis commands the bench and the chaos tools need, spoken in RESP over one socket (pipelined XADD). */
final class Resp implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Resp(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 2000);
        socket.setSoTimeout(30_000);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    /** XADD stream * data <entry> for every entry, pipelined; fails on the first error reply. */
    void xaddAll(String stream, List<byte[]> entries) throws IOException {
        int sent = 0;
        int read = 0;
        while (read < entries.size()) {
            while (sent < entries.size() && sent - read < 1000) {
                command(b("XADD"), b(stream), b("*"), b("data"), entries.get(sent++));
            }
            out.flush();
            while (read < sent) {
                Object reply = reply();
                read++;
                if (reply instanceof RedisError error) {
                    throw new IOException("XADD: " + error.message());
                }
            }
        }
    }

    /** DEL key: the bench's stream when it is done. */
    void delete(String key) throws IOException {
        command(b("DEL"), b(key));
        out.flush();
        reply();
    }

    /** XINFO GROUPS as text (names and pending counts), or null when the stream or its groups do not exist. */
    String groups(String stream) throws IOException {
        command(b("XINFO"), b("GROUPS"), b(stream));
        out.flush();
        Object reply = reply();
        if (!(reply instanceof List<?> groups) || groups.isEmpty()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Object group : groups) {
            if (group instanceof List<?> fields) {
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    if ("name".equals(fields.get(i))) {
                        names.add(String.valueOf(fields.get(i + 1)));
                    }
                }
            }
        }
        return names.toString();
    }

    /** XADD stream * field value: the entry id Redis gave it (its acknowledgement); an error reply is an IOException. */
    String xadd(String stream, String field, byte[] value) throws IOException {
        Object reply = call(b("XADD"), b(stream), b("*"), b(field), value);
        if (reply instanceof RedisError error) {
            throw new IOException("XADD: " + error.message());
        }
        return String.valueOf(reply);
    }

    /** The ids of the group's pending entries (XPENDING stream group - + count); empty when the stream or group is gone. */
    List<String> pendingIds(String stream, String group, int count) throws IOException {
        Object reply = call(b("XPENDING"), b(stream), b(group), b("-"), b("+"), b(Integer.toString(count)));
        List<String> ids = new ArrayList<>();
        if (reply instanceof List<?> entries) {
            for (Object entry : entries) {
                if (entry instanceof List<?> fields && !fields.isEmpty()) {
                    ids.add(String.valueOf(fields.get(0)));
                }
            }
        }
        return ids;
    }

    /** XINFO GROUPS of the stream as one map of fields per group name; empty when the stream does not exist. */
    Map<String, Map<String, Object>> groupInfo(String stream) throws IOException {
        Object reply = call(b("XINFO"), b("GROUPS"), b(stream));
        Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
        if (reply instanceof List<?> list) {
            for (Object group : list) {
                if (group instanceof List<?> fields) {
                    Map<String, Object> info = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < fields.size(); i += 2) {
                        info.put(String.valueOf(fields.get(i)), fields.get(i + 1));
                    }
                    groups.put(String.valueOf(info.get("name")), info);
                }
            }
        }
        return groups;
    }

    /** XINFO STREAM's last-generated-id, or null when the stream does not exist. */
    String lastGeneratedId(String stream) throws IOException {
        Object reply = call(b("XINFO"), b("STREAM"), b(stream));
        if (reply instanceof List<?> fields) {
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if ("last-generated-id".equals(fields.get(i))) {
                    return String.valueOf(fields.get(i + 1));
                }
            }
        }
        return null;
    }

    private Object call(byte[]... parts) throws IOException {
        command(parts);
        out.flush();
        return reply();
    }

    private record RedisError(String message) {
    }

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private void command(byte[]... parts) throws IOException {
        out.write(('*' + Integer.toString(parts.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] part : parts) {
            out.write(('$' + Integer.toString(part.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(part);
            out.write('\r');
            out.write('\n');
        }
    }

    private Object reply() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                return new RedisError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length + 2);
                return new String(data, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                List<Object> items = new ArrayList<>(Math.max(0, count));
                for (int i = 0; i < count; i++) {
                    items.add(reply());
                }
                return items;
            }
            default:
                throw new IOException("unexpected Redis reply type " + type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\r') {
                in.read();
                break;
            }
            buffer.write(c);
        }
        return buffer.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
