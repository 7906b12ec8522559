package ai.bud.metrics.ingest;

import java.net.ConnectException;
import java.sql.SQLException;

/**
 * ClickHouse (or Redis) could not do its part: the affected entries are answered RETRY (503 for plain HTTP
 * callers). {@link #nothingWritten()} tells whether the failed call certainly wrote nothing — then the
 * dedup claims can be released at once; otherwise they are left to expire, in case the write still lands.
 */
public class StorageException extends RuntimeException {

    private final boolean nothingWritten;

    public StorageException(String message, Throwable cause, boolean nothingWritten) {
        super(message + ": " + rootMessage(cause), cause);
        this.nothingWritten = nothingWritten;
    }

    public boolean nothingWritten() {
        return nothingWritten;
    }

    /** A failed write is known to have written nothing when the server refused it or was never reached. */
    static boolean certainlyNotWritten(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && (sql.getErrorCode() == 60 || sql.getErrorCode() == 81)) {
                // UNKNOWN_TABLE, UNKNOWN_DATABASE: rejected before any part was written
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root == null ? null : root.getMessage();
        return message == null ? String.valueOf(root) : message.lines().findFirst().orElse(message);
    }
}
