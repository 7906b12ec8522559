package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.web.RequestBody;
import ai.bud.metrics.web.ServerTiming;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The steps of routes/analytics.camel.yaml: thin adapters from the exchange to the plain-Java core
 * ({@link AnalyticsRequestParser}, {@link QueryBuilder}, {@link AnalyticsQueryRunner}, {@link RowJsonWriter}).
 */
@Component("analyticsFlow")
public class AnalyticsFlow {

    static final String REQUEST = "analyticsRequest";
    /** Whether the requested range reaches the present: the route picks the cache tier from it. */
    static final String REACHES_PRESENT = "analyticsReachesPresent";
    /** The {@link AnswerFormat} negotiated for the answer. */
    static final String FORMAT = "analyticsFormat";
    /** The answer's cache key ({@link AnswerKey}): the request and its format. */
    static final String CACHE_KEY = "analyticsCacheKey";
    /** ClickHouse's TIMEOUT_EXCEEDED: the query ran past {@code max_execution_time}. */
    static final int TIMEOUT_EXCEEDED = 159;

    private final Clock clock = Clock.systemUTC();
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(clock);
    private final QueryBuilder builder;
    private final AnalyticsQueryRunner runner;
    private final long maxExecutionSeconds;
    private final long maxBodyBytes;

    /**
     * @param engine the seam to ClickHouse ({@link EngineClient}), which also tells whether it is the embedded engine
     * @param materializedCte {@code true}/{@code false}, or empty for automatic: on with the embedded engine (chDB 26.5
     *        supports {@code AS MATERIALIZED}), off with an external ClickHouse (older servers reject the setting).
     * @param maxBodySize the largest request body read; a larger one is answered 413
     * @param rollups read the rollup tables where a request allows it ({@link RollupPlanner}); off: raw rows always
     */
    public AnalyticsFlow(EngineClient engine,
            @Value("${budmetrics.clickhouse.query-timeout:60s}") Duration maxExecutionTime,
            @Value("${budmetrics.analytics.materialized-cte:}") String materializedCte,
            @Value("${budmetrics.analytics.max-body-size:64KB}") DataSize maxBodySize,
            @Value("${budmetrics.analytics.rollups:true}") boolean rollups) {
        this.maxBodyBytes = maxBodySize.toBytes();
        this.runner = new AnalyticsQueryRunner(engine);
        this.maxExecutionSeconds = Math.max(0, (maxExecutionTime.toMillis() + 999) / 1000);
        boolean materialize = materializedCte == null || materializedCte.isBlank()
                ? engine.embedded()
                : Boolean.parseBoolean(materializedCte.trim());
        this.builder = new QueryBuilder(clock, maxExecutionSeconds, materialize, rollups);
    }

    /**
     * Body to {@link AnalyticsRequest}, which becomes the body (the cache key) and the property {@value #REQUEST}; sets
     * {@value #REACHES_PRESENT}. Content type and declared length are checked before a byte is read, and the read stops
     * one byte past the limit. The request headers stay: the route drops them.
     */
    public void parse(Exchange exchange) {
        Message message = exchange.getMessage();
        checkContentType(message.getHeader(Exchange.CONTENT_TYPE, String.class));
        Long declared = message.getHeader(Exchange.CONTENT_LENGTH, Long.class);
        if (declared != null && declared > maxBodyBytes) {
            throw tooLarge();
        }
        AnalyticsRequest request = parser.parse(RequestBody.read(exchange, maxBodyBytes, this::tooLarge));
        exchange.setProperty(REQUEST, request);
        exchange.setProperty(REACHES_PRESENT, request.reachesPresent(clock));
        message.setBody(request);
    }

    /** JSON in UTF-8: no content type, {@code application/json} or {@code application/*+json}, with no other charset. */
    static void checkContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return;
        }
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String media = parts[0].strip();
        if (!media.equals("application/json") && !(media.startsWith("application/") && media.endsWith("+json"))) {
            throw ApiException.unsupportedMediaType("Content-Type must be application/json, not " + quoted(media));
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].strip().equals("charset")) {
                String charset = parameter.length < 2 ? "" : parameter[1].strip().replace("\"", "");
                if (!charset.equals("utf-8") && !charset.equals("utf8")) {
                    throw ApiException.unsupportedMediaType("Content-Type must declare charset=utf-8 or none, not "
                            + quoted(charset));
                }
            }
        }
    }

    private static String quoted(String text) {
        return "'" + (text.length() > 60 ? text.substring(0, 60) + "…" : text) + "'";
    }

    private ApiException tooLarge() {
        return tooLarge(maxBodyBytes);
    }

    static ApiException tooLarge(long maxBodyBytes) {
        return ApiException.payloadTooLarge("body is larger than " + maxBodyBytes + " bytes (ANALYTICS_MAX_BODY_SIZE)");
    }

    /**
     * Picks the answer's format from {@code ?format=} or {@code Accept} ({@link AnswerFormat#negotiate}) into
     * {@value #FORMAT}, and sets the cache key {@value #CACHE_KEY}. Runs after {@link #parse}, before the route drops
     * the request headers.
     */
    public void negotiate(Exchange exchange) {
        Message message = exchange.getMessage();
        HttpServletRequest http = message.getHeader(Exchange.HTTP_SERVLET_REQUEST, HttpServletRequest.class);
        AnswerFormat format = AnswerFormat.negotiate(http == null ? null : http.getParameter("format"),
                message.getHeader("Accept", String.class));
        exchange.setProperty(FORMAT, format);
        exchange.setProperty(CACHE_KEY, new AnswerKey(exchange.getProperty(REQUEST, AnalyticsRequest.class), format));
    }

    /** The JSON answer (the body) as the CSV or NDJSON table of {@link AnalyticsExport}. */
    public byte[] export(Exchange exchange) {
        return AnalyticsExport.convert(exchange.getMessage().getBody(byte[].class), exchange.getProperty(REQUEST, AnalyticsRequest.class),
                exchange.getProperty(FORMAT, AnswerFormat.class));
    }

    /** {@code Content-Type} of the format, and for a table a {@code Content-Disposition} naming its file. */
    public void answerHeaders(Exchange exchange) {
        AnswerFormat format = exchange.getProperty(FORMAT, AnswerFormat.class);
        Message message = exchange.getMessage();
        message.setHeader(Exchange.CONTENT_TYPE, format.contentType());
        if (format != AnswerFormat.JSON) {
            message.setHeader("Content-Disposition", "attachment; filename=\""
                    + AnalyticsExport.fileName(exchange.getProperty(REQUEST, AnalyticsRequest.class), format) + "\"");
        }
    }

    /**
     * The statement; the header {@value AnswerSource#HEADER} and the {@code Server-Timing} entry {@code source} say which
     * rows answer it (rollup, raw or mixed).
     */
    public SqlQuery buildQuery(Exchange exchange) {
        SqlQuery query = builder.build(exchange.getProperty(REQUEST, AnalyticsRequest.class));
        exchange.getMessage().setHeader(AnswerSource.HEADER, query.source().label());
        ServerTiming timing = exchange.getProperty(ServerTiming.PROPERTY, ServerTiming.class);
        if (timing != null) {
            timing.describe("source", query.source().label());
        }
        return query;
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
                throw new ApiException(504, "the analytics query ran longer than the " + maxExecutionSeconds
                        + " s allowed; narrow the range or add filters", List.of(), e);
            }
            throw e;
        }
    }

}
