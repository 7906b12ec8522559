package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

/**
 * Runs a built statement (one round trip, its values as query parameters beside the SQL) and streams its rows straight
 * to the JSON body: the engine's RowBinary answer ({@link EngineClient#queryRowBinary}) is decoded here
 * ({@link BinaryRows}) and written by {@link RowJsonWriter}, which takes a fraction of the driver's time per row.
 */
public final class AnalyticsQueryRunner {

    private final EngineClient engine;

    public AnalyticsQueryRunner(EngineClient engine) {
        this.engine = engine;
    }

    /**
     * @param executed runs once the engine has answered, before the rows are read
     * @throws IllegalStateException when the statement has a column type {@link BinaryRows} does not read: a defect of the
     *         builder (every shape it writes is run on the engine by QueryBuilderGoldenTest)
     */
    public RowJsonWriter.Result runToJson(SqlQuery query, AnalyticsRequest request, Runnable executed) throws SQLException {
        return runToJson(query, request, executed, null, Map.of(), Duration.ZERO);
    }

    /**
     * @param queryId  the query's id on the engine (for a cancel), or null
     * @param settings ClickHouse settings sent beside the statement (its deadline and limits)
     * @param timeout  longest wait for the engine's answer; zero for the client's default
     */
    public RowJsonWriter.Result runToJson(SqlQuery query, AnalyticsRequest request, Runnable executed, String queryId,
            Map<String, String> settings, Duration timeout) throws SQLException {
        try (InputStream answer = engine.queryRowBinary(query.sql(), query.values(), queryId, settings, timeout)) {
            BinaryRows rows;
            try {
                rows = BinaryRows.open(answer);
            } catch (BinaryRows.UnsupportedTypeException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            executed.run();
            return RowJsonWriter.toBytes(rows, request, query.source() != AnswerSource.RAW);
        } catch (IOException e) {
            throw new SQLException("reading the engine's answer failed: " + e.getMessage(), e);
        }
    }
}
