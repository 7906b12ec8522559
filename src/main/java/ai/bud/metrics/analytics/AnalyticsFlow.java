package ai.bud.metrics.analytics;

import ai.bud.metrics.web.ApiException;
import ai.bud.metrics.web.ServerTiming;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The steps of routes/analytics.camel.yaml: thin adapters from the exchange to the plain-Java core
 * ({@link AnalyticsRequestParser}, {@link QueryBuilder}, {@link AnalyticsQueryRunner}, {@link ResponseWriter}).
 */
@Component("analyticsFlow")
public class AnalyticsFlow {

    static final String REQUEST = "analyticsRequest";
    static final String CACHE_TIER = "analyticsCacheTier";
    static final String REFRESH = "analyticsRefresh";
    /** ClickHouse's TIMEOUT_EXCEEDED: the query ran past {@code max_execution_time}. */
    static final int TIMEOUT_EXCEEDED = 159;

    private final Clock clock = Clock.systemUTC();
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(clock);
    private final QueryBuilder builder;
    private final AnalyticsQueryRunner runner;
    private final long maxExecutionSeconds;

    /**
     * @param materializedCte {@code true}/{@code false}, or empty for automatic: on with the embedded engine (chDB 26.5
     *        supports {@code AS MATERIALIZED}), off with an external ClickHouse (older servers reject the setting).
     */
    public AnalyticsFlow(DataSource dataSource,
            @Value("${budmetrics.clickhouse.query-timeout:60s}") Duration maxExecutionTime,
            @Value("${budmetrics.analytics.materialized-cte:}") String materializedCte,
            @Value("${budmetrics.clickhouse.host:}") String clickhouseHost) {
        this.runner = new AnalyticsQueryRunner(dataSource);
        this.maxExecutionSeconds = Math.max(0, (maxExecutionTime.toMillis() + 999) / 1000);
        boolean materialize = materializedCte == null || materializedCte.isBlank()
                ? clickhouseHost == null || clickhouseHost.isBlank()
                : Boolean.parseBoolean(materializedCte.trim());
        this.builder = new QueryBuilder(clock, maxExecutionSeconds, materialize);
    }

    /** Body bytes to {@link AnalyticsRequest}; sets the cache key, which cache (TTL) applies, and a forced refresh. */
    public void parse(Exchange exchange) {
        Message message = exchange.getMessage();
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null && !contentType.isBlank() && !contentType.toLowerCase().contains("json")) {
            throw ApiException.unsupportedMediaType("Content-Type must be application/json");
        }
        AnalyticsRequest request = parser.parse(message.getBody(byte[].class));
        boolean live = request.reachesPresent(clock);
        String cacheControl = message.getHeader("Cache-Control", String.class);
        exchange.setProperty(REQUEST, request);
        exchange.setProperty(CACHE_TIER, live ? "live" : "history");
        exchange.setProperty(REFRESH, cacheControl != null && cacheControl.toLowerCase().contains("no-cache"));
        message.removeHeaders("*");
        message.setHeader("CamelCaffeineKey", request);
        message.setBody(request);
    }

    public SqlQuery buildQuery(Exchange exchange) {
        return builder.build(exchange.getProperty(REQUEST, AnalyticsRequest.class));
    }

    /**
     * Runs the query and streams its rows to the JSON body (byte[]). The exchange's {@link ServerTiming} (when present)
     * gets {@code execute} (until the engine answers), {@code shape} (reading and decoding the engine's rows:
     * {@link BinaryRows}) and {@code serialize} (writing the JSON: {@link RowJsonWriter}).
     */
    public byte[] runQuery(Exchange exchange) throws SQLException {
        ServerTiming timing = exchange.getProperty(ServerTiming.PROPERTY, ServerTiming.class);
        Runnable executed = timing == null ? () -> { } : () -> timing.mark("execute");
        try {
            RowJsonWriter.Result result = runner.runToJson(exchange.getMessage().getBody(SqlQuery.class),
                    exchange.getProperty(REQUEST, AnalyticsRequest.class), executed);
            if (timing != null) {
                timing.add("shape", result.timing().readNanos());
                timing.add("serialize", result.timing().totalNanos() - result.timing().readNanos());
                timing.restart();
            }
            return result.body();
        } catch (SQLException e) {
            if (e.getErrorCode() == TIMEOUT_EXCEEDED) {
                throw new ApiException(503, "the analytics query ran longer than the " + maxExecutionSeconds
                        + " s allowed (max_execution_time); narrow the range or add filters", List.of(), 30);
            }
            throw e;
        }
    }

}
