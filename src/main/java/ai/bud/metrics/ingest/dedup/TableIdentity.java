package ai.bud.metrics.ingest.dedup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance of a table the rows go to, so that the dedup keys in Redis are never read as facts about another
 * one ({@link Deduplicator}: the key set belongs to a table instance). ClickHouse gives every table of an Atomic
 * database (the default) a UUID of its own: a new one when the table is dropped and created again, restored, or
 * found on another server or in a fresh data directory. Where the UUID is zero (an Ordinary database) the time its
 * metadata last changed stands in. Read at the first use, and again in the background once the last reading is
 * older than {@code maxAge} (callers go on with the last value meanwhile: a ClickHouse that does not answer never
 * holds up a claim); when it cannot be read the last value stays (before any was read: {@link Deduplicator#UNKNOWN_TABLE}).
 */
public final class TableIdentity {

    private static final Logger log = LoggerFactory.getLogger(TableIdentity.class);
    private static final String ZERO_UUID = "00000000-0000-0000-0000-000000000000";
    private static final String QUERY = "SELECT toString(uuid), toString(metadata_modification_time) FROM system.tables"
            + " WHERE database = currentDatabase() AND name = ?";

    private final DataSource dataSource;
    private final String table;
    private final long maxAgeNanos;
    private volatile String current;
    private volatile long readAt;
    private boolean reading;

    public TableIdentity(DataSource dataSource, String table, Duration maxAge) {
        this.dataSource = dataSource;
        this.table = table;
        this.maxAgeNanos = maxAge.toNanos();
    }

    /** The identity of the table instance as last read; a reading older than the maximum age starts another. */
    public String current() {
        String known = current;
        if (known == null) {
            synchronized (this) {
                if (current == null) {
                    refresh();
                }
                return current;
            }
        }
        if (System.nanoTime() - readAt > maxAgeNanos && startReading()) {
            Thread reader = new Thread(() -> {
                try {
                    refresh();
                } finally {
                    stopReading();
                }
            }, "table-identity");
            reader.setDaemon(true);
            reader.start();
        }
        return known;
    }

    private synchronized boolean startReading() {
        if (reading) {
            return false;
        }
        reading = true;
        return true;
    }

    private synchronized void stopReading() {
        reading = false;
    }

    /** Reads the identity now; keeps the last one when ClickHouse does not answer. */
    public void refresh() {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(QUERY)) {
            statement.setString(1, table);
            String read = "absent";
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    String uuid = rows.getString(1);
                    read = uuid == null || uuid.equals(ZERO_UUID) ? "modified " + rows.getString(2) : uuid;
                }
            }
            if (current != null && !current.equals(read)) {
                log.info("{} is another table now ({} -> {}): dedup keys of the old one are no longer trusted to skip checks", table,
                        current, read);
            }
            current = read;
            readAt = System.nanoTime();
        } catch (SQLException | RuntimeException e) {
            log.debug("identity of {} not read ({}); keeping {}", table, e.getMessage(), current);
            if (current == null) {
                // a key set of its own until the table can be read: replaced then, which only makes more events checked
                current = Deduplicator.UNKNOWN_TABLE;
            }
            readAt = System.nanoTime();
        }
    }
}
