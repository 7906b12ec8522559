package ai.bud.metrics.ingest.store;

import ai.bud.metrics.clickhouse.EngineClient;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Sends {@code INSERT INTO <table> (<columns>) FORMAT RowBinary} (ModelInferenceDetails, {@link RowBinaryRows}) or
 * {@code FORMAT TabSeparated} (the dead letters, {@link TabSeparatedRows}) with the encoded rows as the request body
 * ({@link EngineClient}): the same server, credentials, database and pool as every other statement,
 * without the driver's per-value binding and SQL rendering of a PreparedStatement batch. The same request works against
 * a ClickHouse server and the embedded engine's facade (which hands the body to the engine as a file). A request that
 * may have reached the server is never sent again (it could store its rows twice).
 */
final class RowInserter {

    /**
     * A valid batch may span any number of months (a backfill): by default ClickHouse refuses a block of more than 100
     * partitions, which would fail the batch, and every batch joined with it, forever. One part per partition is what
     * splitting the insert would write too, in more round trips.
     */
    static final Map<String, String> SETTINGS = Map.of("max_partitions_per_insert_block", "0");

    private final EngineClient engine;
    private final Duration timeout;

    /** @param timeoutSeconds longest an insert may take (0 = the client's defaults) */
    RowInserter(DataSource dataSource, int timeoutSeconds) {
        this.engine = new EngineClient(dataSource);
        this.timeout = Duration.ofSeconds(timeoutSeconds);
    }

    private static final Map<String, String> ROW_BINARY_SETTINGS = merged(SETTINGS, RowBinaryRows.SETTINGS);

    /** Inserts the TabSeparated {@code rows}; throws {@link StorageException} (telling whether nothing was written). */
    void insert(String table, List<String> columns, byte[] rows, String what) {
        try {
            // the server stops the insert, and the client stops waiting, well within the dedup claim
            engine.insertTabSeparated(table, columns, rows, SETTINGS, timeout);
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot insert " + what, e, StorageException.certainlyNotWritten(e));
        }
    }

    /** Inserts the RowBinary {@code rows}; throws {@link StorageException} (telling whether nothing was written). */
    void insertRowBinary(String table, List<String> columns, byte[] rows, String what) {
        try {
            engine.insertRowBinary(table, columns, rows, ROW_BINARY_SETTINGS, timeout);
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot insert " + what, e, StorageException.certainlyNotWritten(e));
        }
    }

    private static Map<String, String> merged(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new java.util.HashMap<>(a);
        all.putAll(b);
        return Map.copyOf(all);
    }
}
