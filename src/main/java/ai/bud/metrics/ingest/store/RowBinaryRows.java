package ai.bud.metrics.ingest.store;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * ModelInferenceDetails rows in ClickHouse's RowBinary input format, for {@code INSERT INTO ModelInferenceDetails
 * (columns) FORMAT RowBinary} with the rows as the request body: every value travels as the bytes the column holds, so
 * the engine parses no text and the stored values are exactly the sent ones (a {@code cost} sent as decimal text could
 * be read one unit in the last place off; DATABASE_SCHEMA.md). The JSON column travels as its text, which the engine
 * parses ({@link #SETTINGS}). Rows of several batches may be concatenated: RowBinary has no header.
 *
 * <p>Per column: UUID as two little-endian 64-bit halves (high half first); {@code Nullable(T)} as a 0 byte then T, or a
 * 1 byte for NULL; IPv6 as its 16 bytes in network order; Float64 little-endian; Bool one byte; DateTime64(3) as
 * little-endian milliseconds since the epoch (the event's UTC times); String as its UTF-8 length (LEB128) then the
 * bytes; UInt16 little-endian.
 */
final class RowBinaryRows {

    /** The ModelInferenceDetails columns, in the order {@link #details} writes them. */
    static final List<String> DETAILS_COLUMNS = List.of("inference_id", "request_ip", "project_id", "endpoint_id", "model_id", "cost",
            "response_analysis", "is_success", "request_arrival_time", "request_forward_time", "api_key_id", "user_id",
            "api_key_project_id", "error_code", "error_message", "error_type", "status_code");

    /** The JSON column (response_analysis) arrives as a String and is parsed by the engine, as text input would be. */
    static final Map<String, String> SETTINGS = Map.of("input_format_binary_read_json_as_string", "1");

    private static final String IPV4_MAPPED = "::ffff:";

    private byte[] out;
    private int size;

    private RowBinaryRows(int capacity) {
        this.out = new byte[Math.max(64, capacity)];
    }

    static byte[] details(List<InferenceEvent> events) {
        RowBinaryRows rows = new RowBinaryRows(events.size() * 160);
        for (InferenceEvent e : events) {
            rows.uuid(e.inferenceId());
            rows.ip(e.requestIp());
            rows.uuid(e.projectId());
            rows.uuid(e.endpointId());
            rows.uuid(e.modelId());
            if (rows.present(e.cost())) {
                rows.int64(Double.doubleToRawLongBits(e.cost()));
            }
            rows.text(e.responseAnalysis());
            rows.byte1(e.isSuccess() ? 1 : 0);
            rows.int64(e.requestArrivalTime().toInstant(ZoneOffset.UTC).toEpochMilli());
            rows.int64(e.requestForwardTime().toInstant(ZoneOffset.UTC).toEpochMilli());
            rows.text(e.apiKeyId());
            rows.text(e.userId());
            rows.text(e.apiKeyProjectId());
            rows.text(e.errorCode());
            rows.text(e.errorMessage());
            rows.text(e.errorType());
            if (rows.present(e.statusCode())) {
                int code = e.statusCode();
                if (code < 0 || code > 0xFFFF) {
                    // validated to 0..65535; two bytes of anything else would store another number
                    throw new IllegalArgumentException("status_code out of UInt16: " + code);
                }
                rows.byte1(code & 0xFF);
                rows.byte1(code >>> 8);
            }
        }
        return Arrays.copyOf(rows.out, rows.size);
    }

    /** The Nullable marker: writes it and says whether the value follows. */
    private boolean present(Object value) {
        byte1(value == null ? 1 : 0);
        return value != null;
    }

    private void uuid(UUID id) {
        int64(id.getMostSignificantBits());
        int64(id.getLeastSignificantBits());
    }

    /** {@code Nullable(IPv6)} from the stored text form of {@link InferenceEvent#requestIp()} (IPv4 mapped). */
    private void ip(String text) {
        if (!present(text)) {
            return;
        }
        ensure(16);
        if (text.startsWith(IPV4_MAPPED) && text.indexOf('.') > 0) {
            mappedPrefix();
            int part = 0;
            int value = 0;
            for (int i = IPV4_MAPPED.length(); i <= text.length(); i++) {
                char c = i == text.length() ? '.' : text.charAt(i);
                if (c != '.') {
                    value = value * 10 + (c - '0');
                } else if (part < 4) {
                    out[size + 12 + part++] = (byte) value;
                    value = 0;
                } else {
                    part++;
                }
            }
            if (part != 4) {
                throw new IllegalArgumentException("request_ip is not an IPv4-mapped address: " + text);
            }
        } else {
            byte[] address;
            try {
                // the validator's stored form: hex digits and colons only, so this never resolves a name
                address = InetAddress.getByName(text).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("request_ip is not an IPv6 address: " + text, e);
            }
            if (address.length == 4) {
                mappedPrefix();
                System.arraycopy(address, 0, out, size + 12, 4);
            } else {
                System.arraycopy(address, 0, out, size, 16);
            }
        }
        size += 16;
    }

    /** The first 12 bytes of an IPv4-mapped IPv6 address ({@code ::ffff:}) at the write position. */
    private void mappedPrefix() {
        Arrays.fill(out, size, size + 10, (byte) 0);
        out[size + 10] = (byte) 0xFF;
        out[size + 11] = (byte) 0xFF;
    }

    /** {@code Nullable(String)}: NULL, or the UTF-8 bytes after their length. */
    private void text(String value) {
        if (!present(value)) {
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ensure(bytes.length + 5);
        for (long length = bytes.length; ; length >>>= 7) {
            if (length < 0x80) {
                out[size++] = (byte) length;
                break;
            }
            out[size++] = (byte) ((length & 0x7F) | 0x80);
        }
        System.arraycopy(bytes, 0, out, size, bytes.length);
        size += bytes.length;
    }

    private void int64(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            out[size++] = (byte) (value >>> (8 * i));
        }
    }

    private void byte1(int value) {
        ensure(1);
        out[size++] = (byte) value;
    }

    private void ensure(int more) {
        if (size + more > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
        }
    }
}
