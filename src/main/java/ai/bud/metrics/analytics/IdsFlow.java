package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** The steps of the ids route (routes/dashboard.camel.yaml): GET /observability/ids, through {@link PresentIds}. */
@Component("idsFlow")
public class IdsFlow {

    static final String RANGE = "idsRange";

    private final Clock clock = Clock.systemUTC();
    private final EngineClient engine;
    private final long maxExecutionSeconds;

    public IdsFlow(EngineClient engine, @Value("${budmetrics.clickhouse.query-timeout:60s}") Duration maxExecutionTime) {
        this.engine = engine;
        this.maxExecutionSeconds = Math.max(0, (maxExecutionTime.toMillis() + 999) / 1000);
    }

    /** The query string's range into the property {@value #RANGE}; 422 naming each bad or unknown parameter. */
    public void parse(Exchange exchange) {
        String query = exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class);
        exchange.setProperty(RANGE, PresentIds.range(QueryString.parameters(query), clock));
    }

    /** Runs the query and answers the ids as JSON bytes. */
    public byte[] run(Exchange exchange) throws SQLException {
        PresentIds.Range range = exchange.getProperty(RANGE, PresentIds.Range.class);
        SqlQuery query = PresentIds.query(range, maxExecutionSeconds);
        try (InputStream answer = engine.queryRowBinary(query.sql(), query.values())) {
            return PresentIds.answer(answer, range);
        } catch (IOException e) {
            throw new SQLException("reading the engine's answer failed: " + e.getMessage(), e);
        }
    }
}
