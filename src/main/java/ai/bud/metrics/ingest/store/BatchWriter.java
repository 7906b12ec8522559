package ai.bud.metrics.ingest.store;

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
 * parameter), and the inserts, whose rows travel as a RowBinary request body ({@link RowBinaryRows}, {@link RowInserter}); the inserts
 * of batches processed at the same time are joined into one ({@link GroupCommit}).
 */
public class BatchWriter implements AutoCloseable {

    public static final String TABLE = "ModelInferenceDetails";
    private static final String EXISTING = "SELECT toString(inference_id) FROM " + TABLE + " WHERE inference_id IN ?";
    /**
     * Ids per existence query: their text must stay under ClickHouse's {@code max_query_size} (256 KiB; 38 bytes an
     * id), so a group of concurrent checks above 5000 ids takes more than one query.
     */
    private static final int IN_CHUNK = 5000;

    private final DataSource dataSource;
    private final GroupCommit commits;
    private final GroupedLookup lookups;

    /**
     * @param insertTimeoutSeconds longest an INSERT may take; a batch waits at most half of that for its turn
     * @param maxRows              most rows joined into one INSERT
     * @param writers              INSERTs that may run at once
     * @param linger               how long a writer under load waits for more batches before an INSERT
     */
    public BatchWriter(DataSource dataSource, int insertTimeoutSeconds, int maxRows, int writers, Duration linger) {
        this.dataSource = dataSource;
        RowInserter inserter = new RowInserter(dataSource, insertTimeoutSeconds);
        this.commits = new GroupCommit((rows, what) -> inserter.insertRowBinary(TABLE, RowBinaryRows.DETAILS_COLUMNS, rows, what), maxRows,
                Duration.ofMillis(Math.max(1000, insertTimeoutSeconds * 500L)), writers, linger);
        this.lookups = new GroupedLookup(this::existingNow, 4 * IN_CHUNK, Duration.ofSeconds(Math.max(1, insertTimeoutSeconds)));
    }

    public BatchWriter(DataSource dataSource, int insertTimeoutSeconds) {
        this(dataSource, insertTimeoutSeconds, 20_000, 1, Duration.ZERO);
    }

    /**
     * The ids among {@code ids} that already have a row, asked together with the checks of the batches processed at
     * the same time ({@link GroupedLookup}: the query reads the whole id column, whatever the number of ids).
     */
    public Set<UUID> existing(Collection<UUID> ids) {
        return ids.isEmpty() ? new HashSet<>() : lookups.find(ids);
    }

    /**
     * The existence queries (one per 5000 ids). The ids are bound as one array parameter (the driver sends them as an
     * array literal of the canonical UUID texts): a statement with one placeholder instead of thousands, which the
     * driver's SQL parser reads in a fraction of the time.
     */
    private Set<UUID> existingNow(Collection<UUID> ids) {
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
                    // the statement is ClickHouse SQL, not JDBC escapes: spares three regular-expression passes over
                    // the rendered text (5000 ids, ~200 KB)
                    statement.setEscapeProcessing(false);
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
        commits.insert(RowBinaryRows.details(events), events.size());
    }

    /** Inserts and checks what is queued, then stops their threads. */
    @Override
    public void close() {
        commits.close();
        lookups.close();
    }
}
