package ai.bud.metrics.ingest;

import java.util.List;
import javax.sql.DataSource;

/**
 * The IngestDeadLetter table: every entry that was not stored because it is invalid, with the reason. Written like
 * the events ({@link RowInserter}: TabSeparated rows as the body of one INSERT, never re-sent after it reached the
 * server).
 */
public class DeadLetterStore {

    static final String TABLE = "IngestDeadLetter";

    /** One rejected entry. */
    public record DeadLetter(String source, String reference, int index, String entryId, String inferenceId, String error,
            String payload) {
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
