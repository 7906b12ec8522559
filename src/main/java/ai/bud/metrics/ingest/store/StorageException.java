package ai.bud.metrics.ingest.store;

import java.net.ConnectException;
import java.sql.SQLException;

/**
 * ClickHouse (or Redis) could not do its part: the affected entries are answered RETRY (503 for plain HTTP
 * callers). {@link #nothingWritten()} tells whether the failed call certainly wrote nothing — then the
 * dedup claims can be released at once; otherwise they are left to expire, in case the write still lands.
 */
public class StorageException extends RuntimeException {

    /**
     * ClickHouse error codes that mean "this data cannot be stored" rather than "storage is unavailable":
     * CANNOT_PARSE_TEXT, CANNOT_PARSE_ESCAPE_SEQUENCE, CANNOT_PARSE_QUOTED_STRING, CANNOT_PARSE_INPUT_ASSERTION_FAILED,
     * ATTEMPT_TO_READ_AFTER_EOF, BAD_ARGUMENTS, CANNOT_PARSE_DATE, CANNOT_PARSE_DATETIME, ILLEGAL_TYPE_OF_ARGUMENT,
     * TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND, CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER, INCORRECT_DATA,
     * TOO_LARGE_STRING_SIZE, NO_COMMON_TYPE, CANNOT_PARSE_IPV6, CANNOT_PARSE_UUID.
     */
    private static final java.util.Set<Integer> DATA_ERRORS = java.util.Set.of(6, 25, 26, 27, 32, 36, 38, 41, 43, 53, 69, 70, 72, 117,
            131, 386, 442, 376);

    /**
     * TOO_MANY_PARTS: too many partitions in one INSERT block (which the ingest inserts lift), or too many parts in the
     * table while merges catch up (a fault that passes). Either way thrown before the insert writes: nothing written,
     * and not the data's fault — the batches are answered RETRY on their own, never dead-lettered.
     */
    static final int TOO_MANY_PARTS = 252;

    private final boolean nothingWritten;
    private final boolean dataRejected;

    public StorageException(String message, Throwable cause, boolean nothingWritten) {
        super(message + ": " + rootMessage(cause), cause);
        this.nothingWritten = nothingWritten;
        this.dataRejected = dataError(cause);
    }

    public boolean nothingWritten() {
        return nothingWritten;
    }

    /** ClickHouse refused the values themselves: retrying the same rows would fail forever. */
    public boolean dataRejected() {
        return dataRejected;
    }

    static boolean dataError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (DATA_ERRORS.contains(serverCode(t))) {
                return true;
            }
        }
        return false;
    }

    /**
     * ClickHouse's error code carried by {@code t}, or 0: JDBC and the engine seam ({@code EngineClient}) both report
     * it as an SQLException's vendor code.
     */
    static int serverCode(Throwable t) {
        return t instanceof SQLException sql ? sql.getErrorCode() : 0;
    }

    /** The first line of the root cause, for reports. */
    public String reason() {
        return rootMessage(getCause());
    }

    /** A failed write is known to have written nothing when the server refused it or was never reached. */
    static boolean certainlyNotWritten(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
            int code = serverCode(t);
            if (code == 60 || code == 81 || code == TOO_MANY_PARTS || DATA_ERRORS.contains(code)) {
                // unknown table or database, too many parts or partitions, values that do not parse: refused before any
                // part was written
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
