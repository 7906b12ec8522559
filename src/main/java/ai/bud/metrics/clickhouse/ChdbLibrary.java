package ai.bud.metrics.clickhouse;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/** The few C entry points of chDB's {@code libchdb.so} (chdb.h, 26.x API) that the embedded engine uses. */
interface ChdbLibrary extends Library {

    /** Returns a {@code chdb_connection*} (pointer to the connection pointer), or NULL. */
    Pointer chdb_connect(int argc, String[] argv);

    void chdb_close_conn(Pointer connectionPointer);

    Pointer chdb_query_n(Pointer connection, byte[] query, long queryLength, byte[] format, long formatLength);

    Pointer chdb_result_buffer(Pointer result);

    long chdb_result_length(Pointer result);

    String chdb_result_error(Pointer result);

    void chdb_destroy_query_result(Pointer result);

    void chdb_set_signal_handlers_enabled(int enabled);
}
