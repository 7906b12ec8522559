package ai.bud.metrics.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
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

    /** Runs the statement and streams its rows straight to the JSON body ({@link RowJsonWriter}). */
    public RowJsonWriter.Result runToJson(SqlQuery query, AnalyticsRequest request, Runnable executed) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = prepare(connection, query);
                ResultSet rows = statement.executeQuery()) {
            executed.run();
            return RowJsonWriter.toBytes(rows, request);
        }
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
