package ai.bud.metrics.ingest.store;

import ai.bud.metrics.clickhouse.TabSeparated;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Dead-letter rows (IngestDeadLetter; the events themselves travel as {@link RowBinaryRows}) in ClickHouse's
 * TabSeparated input format, for {@code INSERT INTO … (columns) FORMAT TabSeparated} with the
 * rows as the request body: the values travel as data, never as SQL text. Every text value is escaped the way the
 * format requires (backslash, tab, newline, carriage return; other characters may stand as they are), {@code \N} is
 * NULL, and a text that is literally {@code \N} arrives as that text because its backslash is escaped.
 */
final class TabSeparatedRows {

    /** The IngestDeadLetter columns, in the order {@link #deadLetters} writes them. */
    static final List<String> DEAD_LETTER_COLUMNS = List.of("source", "reference", "entry_index", "entry_id", "inference_id", "error",
            "payload");

    private final StringBuilder out;

    private TabSeparatedRows(int capacity) {
        this.out = new StringBuilder(capacity);
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
