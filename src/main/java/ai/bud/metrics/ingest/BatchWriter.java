package ai.bud.metrics.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * ModelInferenceDetails I/O of the ingest flow: which ids are already stored (the ids bound as one array
 * parameter), and the inserts, whose rows travel as a TabSeparated request body ({@link RowInserter}); the inserts
 * of batches processed at the same time are joined into one ({@link GroupCommit}).
 */
public class BatchWriter implements AutoCloseable {

    static final String TABLE = "ModelInferenceDetails";
    private static final String EXISTING = "SELECT toString(inference_id) FROM " + TABLE + " WHERE inference_id IN ?";
    /** Ids per existence query; one query per batch in practice. */
    private static final int IN_CHUNK = 5000;

    private final DataSource dataSource;
    private final GroupCommit commits;

    /**
     * @param insertTimeoutSeconds longest an INSERT may take; a batch waits at most half of that for its turn
     * @param maxRows              most rows joined into one INSERT
     * @param writers              INSERTs that may run at once
     */
    public BatchWriter(DataSource dataSource, int insertTimeoutSeconds, int maxRows, int writers) {
        this.dataSource = dataSource;
        RowInserter inserter = new RowInserter(dataSource, insertTimeoutSeconds);
        this.commits = new GroupCommit((rows, what) -> inserter.insert(TABLE, TabSeparatedRows.DETAILS_COLUMNS, rows, what), maxRows,
                Duration.ofMillis(Math.max(1000, insertTimeoutSeconds * 500L)), writers);
    }

    public BatchWriter(DataSource dataSource, int insertTimeoutSeconds) {
        this(dataSource, insertTimeoutSeconds, 20_000, 1);
    }

    /**
     * The ids among {@code ids} that already have a row. The ids are bound as one array parameter (the driver
     * sends them as an array literal of the canonical UUID texts): a statement with one placeholder instead of a
     * thousand, which the driver's SQL parser reads in a fraction of the time.
     */
    public Set<UUID> existing(Collection<UUID> ids) {
        Set<UUID> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        List<UUID> all = List.copyOf(ids);
        try (Connection connection = dataSource.getConnection()) {
            for (int from = 0; from < all.size(); from += IN_CHUNK) {
                List<UUID> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
                String[] texts = new String[chunk.size()];
                for (int i = 0; i < texts.length; i++) {
                    texts[i] = chunk.get(i).toString();
                }
                try (PreparedStatement statement = connection.prepareStatement(EXISTING)) {
                    statement.setObject(1, texts);
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            found.add(UUID.fromString(rows.getString(1)));
                        }
                    }
                }
            }
            return found;
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot check stored inference ids", e, true);
        }
    }

    /**
     * Inserts the events as one block (all rows or none), possibly in one INSERT with other batches; returns once
     * they are stored. When it throws, {@link StorageException#nothingWritten()} tells whether they may have been.
     */
    public void insert(List<InferenceEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        commits.insert(TabSeparatedRows.details(events), events.size());
    }

    /** Inserts what is queued, then stops the insert writers. */
    @Override
    public void close() {
        commits.close();
    }
}
