package ai.bud.metrics.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import javax.sql.DataSource;

/** The IngestDeadLetter table: every entry that was not stored because it is invalid, with the reason. */
public class DeadLetterStore {

    static final String TABLE = "IngestDeadLetter";
    private static final String INSERT = "INSERT INTO " + TABLE
            + " (source, reference, entry_index, entry_id, inference_id, error, payload) VALUES (?, ?, ?, ?, ?, ?, ?)";

    /** One rejected entry. */
    public record DeadLetter(String source, String reference, int index, String entryId, String inferenceId, String error,
            String payload) {
    }

    private final DataSource dataSource;

    public DeadLetterStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void write(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(INSERT)) {
            for (DeadLetter letter : letters) {
                statement.setString(1, letter.source());
                setText(statement, 2, letter.reference());
                statement.setInt(3, letter.index());
                setText(statement, 4, letter.entryId());
                setText(statement, 5, letter.inferenceId());
                statement.setString(6, letter.error());
                statement.setString(7, letter.payload() == null ? "" : letter.payload());
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot write " + letters.size() + " dead letters", e, StorageException.certainlyNotWritten(e));
        }
    }

    private static void setText(PreparedStatement statement, int index, String value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setString(index, value);
        }
    }
}
