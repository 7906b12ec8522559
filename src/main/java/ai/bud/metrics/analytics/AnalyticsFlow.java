package ai.bud.metrics.analytics;

import ai.bud.metrics.web.ApiException;
import java.sql.SQLException;
import java.time.Clock;
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
    static final String CACHE_TTL = "analyticsCacheTtl";
    static final String REFRESH = "analyticsRefresh";

    private final Clock clock = Clock.systemUTC();
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(clock);
    private final QueryBuilder builder = new QueryBuilder(clock);
    private final AnalyticsQueryRunner runner;
    private final long liveTtlSeconds;
    private final long historyTtlSeconds;

    public AnalyticsFlow(DataSource dataSource,
            @Value("${budmetrics.analytics.cache.live-ttl-seconds:10}") long liveTtlSeconds,
            @Value("${budmetrics.analytics.cache.history-ttl-seconds:600}") long historyTtlSeconds) {
        this.runner = new AnalyticsQueryRunner(dataSource);
        this.liveTtlSeconds = liveTtlSeconds;
        this.historyTtlSeconds = historyTtlSeconds;
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
        exchange.setProperty(CACHE_TTL, live ? liveTtlSeconds : historyTtlSeconds);
        exchange.setProperty(REFRESH, cacheControl != null && cacheControl.toLowerCase().contains("no-cache"));
        message.removeHeaders("*");
        message.setHeader("CamelCaffeineKey", request);
        message.setBody(request);
    }

    public SqlQuery buildQuery(Exchange exchange) {
        return builder.build(exchange.getProperty(REQUEST, AnalyticsRequest.class));
    }

    public AnalyticsResponse runQuery(Exchange exchange) throws SQLException {
        return runner.run(exchange.getMessage().getBody(SqlQuery.class), exchange.getProperty(REQUEST, AnalyticsRequest.class));
    }

    public byte[] toJson(AnalyticsResponse response) {
        return ResponseWriter.toJson(response);
    }
}
