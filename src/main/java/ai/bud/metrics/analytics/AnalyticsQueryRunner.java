package ai.bud.metrics.analytics;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;

/** Runs a built statement (one round trip) and shapes its rows into the response. */
public final class AnalyticsQueryRunner {

    private final DataSource dataSource;

    public AnalyticsQueryRunner(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public AnalyticsResponse run(SqlQuery query, AnalyticsRequest request) throws SQLException {
        return run(query, request, () -> { });
    }

    /**
     * Runs the statement and streams its rows straight to the JSON body ({@link RowJsonWriter}). With clickhouse-jdbc's
     * connection, through its ClickHouse client: the values as query parameters ({@link ServerParameters}) and the
     * answer's RowBinary decoded here ({@link BinaryRows}), which takes a fraction of the driver's time per row; with
     * another driver, or a column type {@link BinaryRows} does not read, through JDBC.
     */
    public RowJsonWriter.Result runToJson(SqlQuery query, AnalyticsRequest request, Runnable executed) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Client client = clientOf(connection);
            if (client != null) {
                RowJsonWriter.Result result = runBinary(client, query, request, executed);
                if (result != null) {
                    return result;
                }
            }
            try (PreparedStatement statement = prepare(connection, query);
                    ResultSet rows = statement.executeQuery()) {
                executed.run();
                return RowJsonWriter.toBytes(rows, request);
            }
        }
    }

    /** The ClickHouse client behind a clickhouse-jdbc connection, or null for another driver. */
    static Client clientOf(Connection connection) {
        try {
            return connection.isWrapperFor(ConnectionImpl.class) ? connection.unwrap(ConnectionImpl.class).getClient() : null;
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }

    /** The statement through the client, its answer decoded by {@link BinaryRows}; null when a column type is not. */
    private static RowJsonWriter.Result runBinary(Client client, SqlQuery query, AnalyticsRequest request, Runnable executed)
            throws SQLException {
        ServerParameters bound = ServerParameters.of(query);
        // wait_end_of_query: a server answers only once the query has finished, so a failure (max_execution_time …)
        // is an HTTP error, never an exception text appended to rows already sent (the embedded facade always waits)
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.RowBinaryWithNamesAndTypes).waitEndOfQuery(true);
        QueryResponse response;
        try {
            response = client.query(bound.sql(), bound.values(), settings).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the engine", e);
        } catch (ExecutionException e) {
            throw asSqlException(e.getCause() == null ? e : e.getCause());
        } catch (RuntimeException e) {
            throw asSqlException(e);
        }
        try (response) {
            BinaryRows rows;
            try {
                rows = BinaryRows.open(response.getInputStream());
            } catch (BinaryRows.UnsupportedTypeException e) {
                return null; // the JDBC path runs it again (and marks "executed" then)
            }
            executed.run();
            return RowJsonWriter.toBytes(rows, request);
        } catch (IOException e) {
            throw new SQLException("reading the engine's answer failed: " + e.getMessage(), e);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) { // QueryResponse.close
            throw new SQLException("closing the engine's answer failed: " + e.getMessage(), e);
        }
    }

    /** The client's failure as JDBC reports it: the engine's error code as the vendor code. */
    private static SQLException asSqlException(Throwable failure) {
        if (failure instanceof ServerException server) {
            return new SQLException(server.getMessage(), null, server.getCode(), server);
        }
        return new SQLException("the query failed: " + failure.getMessage(), failure);
    }

    private static PreparedStatement prepare(Connection connection, SqlQuery query) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(query.sql());
        try {
            List<Object> params = query.params();
            for (int i = 0; i < params.size(); i++) {
                statement.setObject(i + 1, params.get(i));
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** As {@link #run(SqlQuery, AnalyticsRequest)}; {@code executed} runs once the engine has answered, before the rows are read. */
    public AnalyticsResponse run(SqlQuery query, AnalyticsRequest request, Runnable executed) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(query.sql())) {
            List<Object> params = query.params();
            for (int i = 0; i < params.size(); i++) {
                statement.setObject(i + 1, params.get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                executed.run();
                return ResultShaper.shape(rows, request);
            }
        }
    }
}
