package ai.bud.metrics.ingest.store;

import ai.bud.metrics.clickhouse.TabSeparated;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Rows in ClickHouse's TabSeparated input format, for {@code INSERT INTO … (columns) FORMAT TabSeparated} with the
 * rows as the request body: the values travel as data, never as SQL text. Every text value is escaped the way the
 * format requires (backslash, tab, newline, carriage return; other characters may stand as they are), {@code \N} is
 * NULL, and a text that is literally {@code \N} arrives as that text because its backslash is escaped.
 */
final class TabSeparatedRows {

    /** The ModelInferenceDetails columns, in the order {@link #details} writes them. */
    static final List<String> DETAILS_COLUMNS = List.of("inference_id", "request_ip", "project_id", "endpoint_id", "model_id", "cost",
            "response_analysis", "is_success", "request_arrival_time", "request_forward_time", "api_key_id", "user_id",
            "api_key_project_id", "error_code", "error_message", "error_type", "status_code");

    /** The IngestDeadLetter columns, in the order {@link #deadLetters} writes them. */
    static final List<String> DEAD_LETTER_COLUMNS = List.of("source", "reference", "entry_index", "entry_id", "inference_id", "error",
            "payload");

    private final StringBuilder out;

    private TabSeparatedRows(int capacity) {
        this.out = new StringBuilder(capacity);
    }

    static byte[] details(List<InferenceEvent> events) {
        TabSeparatedRows rows = new TabSeparatedRows(events.size() * 360);
        for (InferenceEvent e : events) {
            rows.uuid(e.inferenceId()).tab().text(e.requestIp()).tab();
            rows.uuid(e.projectId()).tab().uuid(e.endpointId()).tab().uuid(e.modelId()).tab();
            rows.number(e.cost()).tab().text(e.responseAnalysis()).tab();
            rows.out.append(e.isSuccess() ? "true" : "false");
            rows.tab().time(e.requestArrivalTime()).tab().time(e.requestForwardTime()).tab();
            rows.text(e.apiKeyId()).tab().text(e.userId()).tab().text(e.apiKeyProjectId()).tab();
            rows.text(e.errorCode()).tab().text(e.errorMessage()).tab().text(e.errorType()).tab();
            rows.number(e.statusCode()).newline();
        }
        return rows.bytes();
    }

    static byte[] deadLetters(List<DeadLetterStore.DeadLetter> letters) {
        TabSeparatedRows rows = new TabSeparatedRows(letters.size() * 800);
        for (DeadLetterStore.DeadLetter letter : letters) {
            rows.text(letter.source()).tab().text(letter.reference()).tab();
            rows.out.append(letter.index());
            rows.tab().text(letter.entryId()).tab().text(letter.inferenceId()).tab().text(letter.error()).tab();
            rows.text(letter.payload() == null ? "" : letter.payload()).newline();
        }
        return rows.bytes();
    }

    private byte[] bytes() {
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private TabSeparatedRows tab() {
        out.append('\t');
        return this;
    }

    private void newline() {
        out.append('\n');
    }

    private TabSeparatedRows uuid(UUID id) {
        // java.util.UUID renders its canonical 36-character form, which needs no escaping
        out.append(id.toString());
        return this;
    }

    private TabSeparatedRows number(Number value) {
        if (value == null) {
            out.append("\\N");
        } else if (value instanceof Double d) {
            // finite by validation; Java's shortest round-trip form (with E-notation when needed) parses back exactly
            out.append(d.doubleValue());
        } else {
            out.append(value.longValue());
        }
        return this;
    }

    /** DateTime64(3) as {@code yyyy-MM-dd HH:mm:ss.SSS} (UTC wall time; years 1900..2299 by validation). */
    private TabSeparatedRows time(LocalDateTime t) {
        out.append(t.getYear()).append('-');
        two(t.getMonthValue()).append('-');
        two(t.getDayOfMonth()).append(' ');
        two(t.getHour()).append(':');
        two(t.getMinute()).append(':');
        two(t.getSecond()).append('.');
        int millis = t.getNano() / 1_000_000;
        out.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
        return this;
    }

    private StringBuilder two(int value) {
        return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    /** A String column value: NULL as {@code \N}, else escaped for the TabSeparated format. */
    TabSeparatedRows text(String value) {
        if (value == null) {
            out.append("\\N");
            return this;
        }
        TabSeparated.escape(out, value);
        return this;
    }

    /** For tests: the escaped form of one text value. */
    static String escape(String value) {
        TabSeparatedRows rows = new TabSeparatedRows(16);
        rows.text(value);
        return rows.out.toString();
    }
}
