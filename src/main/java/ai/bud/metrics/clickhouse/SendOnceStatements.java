package ai.bud.metrics.clickhouse;

import com.clickhouse.client.api.ClientConfigProperties;
import com.clickhouse.jdbc.StatementImpl;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import org.apache.camel.component.sql.DefaultSqlPrepareStatementStrategy;

/**
 * camel-sql's statement preparation for writes that must not happen twice ({@code prepareStatementStrategy=#sendOnceStatements}
 * on a {@code sql:} endpoint): binds the values as usual and tells the ClickHouse client to retry the statement only when
 * it was certainly not sent (connect timeout, no pooled connection in time). By default client-v2 also re-sends a
 * request that got no answer ({@code NoHttpResponse}), which for an INSERT the server may already have stored: one
 * lost answer would write the rows twice. The JDBC driver sends a batch of {@code INSERT … VALUES} rows as one
 * statement (one block: all rows or none), so one failure never leaves half a batch behind.
 */
public class SendOnceStatements extends DefaultSqlPrepareStatementStrategy {

    @Override
    public void populateStatement(PreparedStatement ps, Iterator<?> iterator, int expectedParams) throws SQLException {
        sendOnce(ps);
        super.populateStatement(ps, iterator, expectedParams);
    }

    /** Limits the client's own retries of {@code statement} to failures before anything was sent. */
    public static void sendOnce(PreparedStatement statement) throws SQLException {
        statement.unwrap(StatementImpl.class).getLocalSettings().setOption(ClientConfigProperties.CLIENT_RETRY_ON_FAILURE.getKey(),
                EngineClient.RETRY_ONLY_UNSENT);
    }
}
