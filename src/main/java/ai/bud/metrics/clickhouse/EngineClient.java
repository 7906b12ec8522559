package ai.bud.metrics.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ClientConfigProperties;
import com.clickhouse.client.api.ClientFaultCause;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The seam between the flows (analytics/, ingest/) and the ClickHouse driver: "run this query with these named
 * parameters and give me the RowBinary answer" and "insert these rows". Both go through the ClickHouse client of a pooled
 * clickhouse-jdbc connection (the same server, credentials, database and pool as every other statement), without the
 * driver's per-value binding, SQL rendering and row objects. Nothing outside clickhouse/ sees the driver's types:
 * every failure is a {@link SQLException} carrying ClickHouse's error code as its vendor code (the client's exception
 * stays its cause).
 */
public final class EngineClient {

    /** Failures that leave a statement unsent: the only ones the client may retry on its own (inserts and queries). */
    static final List<ClientFaultCause> RETRY_ONLY_UNSENT = List.of(ClientFaultCause.ConnectTimeout,
            ClientFaultCause.ConnectionRequestTimeout);

    /** Sent by the client with every statement: the engine drops it after {@code KILL QUERY … ASYNC} as soon as it notices. */
    static final String KILL = "KILL QUERY WHERE query_id = {id:String} ASYNC";

    private final DataSource dataSource;
    private final DataSource control;
    private final boolean embedded;

    /** A client over any clickhouse-jdbc DataSource; {@link #embedded()} is then false (not known to be the embedded engine). */
    public EngineClient(DataSource dataSource) {
        this(dataSource, dataSource, false);
    }

    /**
     * @param dataSource the pool the queries run on
     * @param control    the pool {@link #cancel} sends its {@code KILL QUERY} through: never the one whose connections the
     *                   queries hold, so that a cancel does not wait behind what it is sent to stop
     */
    EngineClient(DataSource dataSource, DataSource control, boolean embedded) {
        this.dataSource = dataSource;
        this.control = control;
        this.embedded = embedded;
    }

    /** How many queries this client's pool runs at once (its largest size), for the analytics gate. */
    public int slots() {
        return dataSource instanceof com.zaxxer.hikari.HikariDataSource pool ? pool.getMaximumPoolSize() : Integer.MAX_VALUE;
    }

    /**
     * True when the statements reach the embedded engine (chDB 26.5), whose features an external server may lack
     * ({@code AS MATERIALIZED} CTEs): the embedded/external choice is made here, in {@link ClickHouseConnector}.
     */
    public boolean embedded() {
        return embedded;
    }

    /**
     * Runs {@code sql} with its query parameters ({@code {name:Type}} in the text; {@code parameters} maps each name to its
     * value as the HTTP interface takes it, sent as {@code param_<name>}) and returns the answer in
     * {@code RowBinaryWithNamesAndTypes}. The engine has answered when this returns (a server is asked to answer only
     * once the query has finished, so a failure such as {@code max_execution_time} is an exception here, never text
     * appended to rows); the pooled connection is held until the stream is closed.
     */
    public InputStream queryRowBinary(String sql, Map<String, String> parameters) throws SQLException {
        return queryRowBinary(sql, parameters, null, Map.of(), Duration.ZERO);
    }

    /**
     * {@link #queryRowBinary(String, Map)} under the caller's control.
     *
     * @param queryId        the query's id on the engine, for {@link #cancel}; null for one the client picks
     * @param serverSettings ClickHouse settings for this query ({@code max_execution_time}, {@code max_memory_usage}…)
     * @param networkTimeout longest the client waits for the answer; zero for the client's default
     */
    public InputStream queryRowBinary(String sql, Map<String, String> parameters, String queryId, Map<String, String> serverSettings,
            Duration networkTimeout) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.RowBinaryWithNamesAndTypes).waitEndOfQuery(true);
            // never sent twice: a query whose connection broke after sending (killed at its deadline, its caller gone) was
            // re-sent by the client's default retry, under the same id, and ran on with nobody waiting (seen at 100M rows)
            settings.setOption(ClientConfigProperties.CLIENT_RETRY_ON_FAILURE.getKey(), RETRY_ONLY_UNSENT);
            if (queryId != null) {
                settings.setQueryId(queryId);
            }
            serverSettings.forEach(settings::serverSetting);
            if (!networkTimeout.isZero()) {
                settings.setNetworkTimeout(networkTimeout.toMillis(), ChronoUnit.MILLIS);
            }
            Client client = clientOf(connection);
            QueryResponse response = await(() -> client.query(sql, Map.<String, Object>copyOf(parameters), settings), "the query failed");
            return new Answer(response, connection);
        } catch (SQLException | RuntimeException e) {
            close(connection, e);
            throw e;
        }
    }

    /**
     * Sends {@code INSERT INTO <table> (<columns>) FORMAT TabSeparated} with {@code rows} as the request body; see
     * {@link #insertRowBinary} for how it is sent.
     */
    public void insertTabSeparated(String table, List<String> columns, byte[] rows, Map<String, String> serverSettings, Duration timeout)
            throws SQLException {
        insert(table, columns, rows, ClickHouseFormat.TabSeparated, serverSettings, timeout);
    }

    /**
     * Sends {@code INSERT INTO <table> (<columns>) FORMAT RowBinary} with {@code rows} as the request body. The request
     * is never sent twice: the client retries only failures that happen before anything is sent (a connect timeout, no
     * pooled connection in time), since a request that reached the server may have been stored although no answer came
     * back.
     *
     * @param serverSettings ClickHouse settings for this insert
     * @param timeout        longest the insert may take, on the server ({@code max_execution_time}) and on the wire; zero
     *                       for the client's defaults
     */
    public void insertRowBinary(String table, List<String> columns, byte[] rows, Map<String, String> serverSettings, Duration timeout)
            throws SQLException {
        insert(table, columns, rows, ClickHouseFormat.RowBinary, serverSettings, timeout);
    }

    private void insert(String table, List<String> columns, byte[] rows, ClickHouseFormat format, Map<String, String> serverSettings,
            Duration timeout) throws SQLException {
        InsertSettings settings = new InsertSettings();
        settings.setOption(ClientConfigProperties.CLIENT_RETRY_ON_FAILURE.getKey(), RETRY_ONLY_UNSENT);
        serverSettings.forEach(settings::serverSetting);
        long seconds = timeout.toSeconds();
        if (seconds > 0) {
            settings.serverSetting("max_execution_time", Long.toString(seconds));
            settings.setNetworkTimeout(seconds, ChronoUnit.SECONDS);
        }
        try (Connection connection = dataSource.getConnection()) {
            Client client = clientOf(connection);
            try (InsertResponse ignored = await(() -> client.insert(table, columns, new ByteArrayInputStream(rows), format, settings),
                    "the insert failed")) {
                // one INSERT is one block here: stored entirely once the server has answered
            } catch (SQLException e) {
                throw e;
            } catch (Exception e) { // closing the response
                throw new SQLException("closing the insert's answer failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Stops the query of that id on the engine: {@code KILL QUERY WHERE query_id = {id:String}} through the control pool.
     * The engine stops the query at its next check (tens of milliseconds for a scan); the query's caller then gets
     * {@code QUERY_WAS_CANCELLED} (394).
     *
     * @return whether a running query of that id was found
     */
    public boolean cancel(String queryId) throws SQLException {
        try (Connection connection = control.getConnection()) {
            Client client = clientOf(connection);
            QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated).waitEndOfQuery(true);
            try (QueryResponse response = await(() -> client.query(KILL, Map.of("id", queryId), settings), "the cancel failed")) {
                return response.getInputStream().readAllBytes().length > 0;
            } catch (SQLException e) {
                throw e;
            } catch (Exception e) {
                throw new SQLException("reading the cancel's answer failed: " + e.getMessage(), e);
            }
        }
    }

    private static Client clientOf(Connection connection) throws SQLException {
        return connection.unwrap(ConnectionImpl.class).getClient();
    }

    /** The outcome of the client's call, which may fail at once (the client runs it in this thread) or in its future. */
    private static <T> T await(Supplier<CompletableFuture<T>> call, String what) throws SQLException {
        try {
            return call.get().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the engine", e);
        } catch (ExecutionException | CompletionException e) {
            throw asSqlException(e.getCause() == null ? e : e.getCause(), what);
        } catch (RuntimeException e) {
            throw asSqlException(e, what);
        }
    }

    /** The client's failure as JDBC reports it: the engine's error code as the vendor code, the failure as the cause. */
    static SQLException asSqlException(Throwable failure, String what) {
        if (failure instanceof ServerException server) {
            return new SQLException(server.getMessage(), null, server.getCode(), server);
        }
        return new SQLException(what + ": " + failure.getMessage(), failure);
    }

    private static void close(Connection connection, Exception failure) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** The answer's bytes; closing it closes the response and gives the connection back to the pool. */
    private static final class Answer extends FilterInputStream {
        private final QueryResponse response;
        private final Connection connection;
        private boolean closed;

        Answer(QueryResponse response, Connection connection) {
            super(response.getInputStream());
            this.response = response;
            this.connection = connection;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try (Connection ignored = connection) {
                response.close();
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("closing the engine's answer failed: " + e.getMessage(), e);
            }
        }
    }
}
