package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /**
     * The query string's range (the container's parameters: percent-decoded, a repeated name's first value) into the
     * property {@value #RANGE}; 422 naming each bad or unknown parameter.
     */
    public void parse(Exchange exchange) {
        HttpServletRequest http = exchange.getMessage().getHeader(Exchange.HTTP_SERVLET_REQUEST, HttpServletRequest.class);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (http != null) {
            http.getParameterMap().forEach((name, values) -> parameters.put(name, values.length == 0 ? "" : values[0]));
        }
        exchange.setProperty(RANGE, PresentIds.range(parameters, clock));
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
