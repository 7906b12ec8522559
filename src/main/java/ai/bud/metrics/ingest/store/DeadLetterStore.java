package ai.bud.metrics.ingest.store;

import java.util.List;
import javax.sql.DataSource;

/**
 * The IngestDeadLetter table written from Java: every entry that was not stored because it is invalid, with the reason.
 * Written like the events ({@link RowInserter}: TabSeparated rows as the body of one INSERT, never re-sent after it
 * reached the server). The ingest flow writes its dead letters through the dead-letter route instead
 * (routes/dead-letter.camel.yaml); this writer is left to the stream consumer's delivery limit ({@link DeliveryLimit}).
 */
public class DeadLetterStore {

    static final String TABLE = "IngestDeadLetter";

    /**
     * One rejected entry: the body of the dead-letter route ({@code direct:dead-letter}, as a list) and one
     * IngestDeadLetter row. {@code error} and {@code payload} are never null (their columns are not Nullable).
     */
    public record DeadLetter(String source, String reference, int index, String entryId, String inferenceId, String error,
            String payload) {

        public DeadLetter {
            error = error == null ? "" : error;
            payload = payload == null ? "" : payload;
        }
    }

    private final RowInserter inserter;

    public DeadLetterStore(DataSource dataSource) {
        this.inserter = new RowInserter(dataSource, 0);
    }

    public void write(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        inserter.insert(TABLE, TabSeparatedRows.DEAD_LETTER_COLUMNS, TabSeparatedRows.deadLetters(letters), letters.size() + " dead letters");
    }
}
