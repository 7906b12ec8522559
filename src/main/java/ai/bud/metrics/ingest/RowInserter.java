package ai.bud.metrics.ingest;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientConfigProperties;
import com.clickhouse.client.api.ClientFaultCause;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;

/**
 * Sends {@code INSERT INTO <table> (<columns>) FORMAT TabSeparated} with the encoded rows as the request body,
 * through the ClickHouse client of a pooled JDBC connection (clickhouse-jdbc's {@link ConnectionImpl#getClient()}):
 * the same server, credentials, database and pool as every other statement, without the driver's per-value
 * binding and SQL rendering of a PreparedStatement batch. The same request works against a ClickHouse server and
 * the embedded engine's facade (which hands the body to the engine as a file).
 *
 * <p>The client retries a failed request on its own ({@code client_retry_on_failures}, by default also on
 * {@code NoHttpResponse} and on retryable server errors). A request that reached the server may have been stored
 * although no answer came back, so sending it again could store its rows twice: for these inserts only the
 * failures that happen before anything is sent are retried (a connect timeout, no pooled connection in time).
 */
final class RowInserter {

    /** Failures that leave the request unsent: safe to try again. */
    static final List<ClientFaultCause> RETRY_ONLY_UNSENT = List.of(ClientFaultCause.ConnectTimeout,
            ClientFaultCause.ConnectionRequestTimeout);

    private final DataSource dataSource;
    private final int timeoutSeconds;

    /** @param timeoutSeconds longest an insert may take (0 = the client's defaults) */
    RowInserter(DataSource dataSource, int timeoutSeconds) {
        this.dataSource = dataSource;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Inserts the TabSeparated {@code rows}; throws {@link StorageException} (telling whether nothing was written). */
    void insert(String table, List<String> columns, byte[] rows, String what) {
        try (Connection connection = dataSource.getConnection()) {
            Client client = connection.unwrap(ConnectionImpl.class).getClient();
            try (InsertResponse ignored = client.insert(table, columns, new ByteArrayInputStream(rows), ClickHouseFormat.TabSeparated,
                    settings()).get()) {
                // one INSERT is one block here: stored entirely once the server has answered
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while inserting " + what, e, false);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StorageException("cannot insert " + what, cause, StorageException.certainlyNotWritten(cause));
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot insert " + what, e, StorageException.certainlyNotWritten(e));
        } catch (Exception e) {
            // closing the response
            throw new StorageException("cannot insert " + what, e, false);
        }
    }

    InsertSettings settings() {
        InsertSettings settings = new InsertSettings();
        settings.setOption(ClientConfigProperties.CLIENT_RETRY_ON_FAILURE.getKey(), RETRY_ONLY_UNSENT);
        // a valid batch may span any number of months (a backfill): by default ClickHouse refuses a block of more than
        // 100 partitions, which would fail the batch, and every batch joined with it, forever. One part per partition
        // is what splitting the insert would write too, in more round trips.
        settings.serverSetting("max_partitions_per_insert_block", "0");
        if (timeoutSeconds > 0) {
            // the server stops the insert, and the client stops waiting, well within the dedup claim
            settings.serverSetting("max_execution_time", Integer.toString(timeoutSeconds));
            settings.setNetworkTimeout(timeoutSeconds, ChronoUnit.SECONDS);
        }
        return settings;
    }
}
