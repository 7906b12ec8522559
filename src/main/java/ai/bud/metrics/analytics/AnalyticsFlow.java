package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.ClickHouseProperties;
import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.web.ClientConnection;
import ai.bud.metrics.web.Deadline;
import ai.bud.metrics.web.RequestBody;
import ai.bud.metrics.web.ServerTiming;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
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
    /** The servlet request, kept past the route's header clean-up: its async context tells when the client has gone. */
    static final String SERVLET_REQUEST = "analyticsServletRequest";
    /** ClickHouse's TIMEOUT_EXCEEDED: the query ran past {@code max_execution_time}. */
    static final int TIMEOUT_EXCEEDED = 159;
    /** QUERY_WAS_CANCELLED: stopped by KILL QUERY. */
    static final int QUERY_WAS_CANCELLED = 394;
    /** MEMORY_LIMIT_EXCEEDED (the query's cap or the engine's) and CANNOT_ALLOCATE_MEMORY. */
    static final List<Integer> OUT_OF_MEMORY = List.of(241, 173);
    /** Retry-After of a query refused for memory: the engine's memory frees as soon as the query has stopped. */
    static final long MEMORY_RETRY_AFTER_SECONDS = 5;

    private final Clock clock = Clock.systemUTC();
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(clock);
    private final QueryBuilder builder;
    private final AnalyticsQueryRunner runner;
    private final QueryCanceller canceller;
    private final Duration deadline;
    private final Map<String, String> limits;
    private final Counter deadlinesExceeded;
    private final long maxBodyBytes;

    /**
     * @param engine the seam to ClickHouse ({@link EngineClient}), which also tells whether it is the embedded engine
     * @param deadline the whole budget of a request ({@code ANALYTICS_DEADLINE_SECONDS}): slot wait, query and answer
     * @param priority the engine priority of analytics queries ({@code priority}: a higher number runs behind ingestion)
     * @param maxThreads the engine threads one analytics query may use; 0: half the processors
     * @param osThreadPriority the Linux nice value of the engine's threads while they run an analytics query
     *        ({@code os_thread_priority}; 0: not sent)
     * @param maxMemory one analytics query's memory cap ({@code max_memory_usage}); empty: the embedded engine's cap shared
     *        among the analytics slots, or 4 GB on an external server
     * @param materializedCte {@code true}/{@code false}, or empty for automatic: on with the embedded engine (chDB 26.5
     *        supports {@code AS MATERIALIZED}), off with an external ClickHouse (older servers reject the setting).
     * @param maxBodySize the largest request body read; a larger one is answered 413
     * @param rollups read the rollup tables where a request allows it ({@link RollupPlanner}); off: raw rows always
     */
    public AnalyticsFlow(EngineClient engine, ClickHouseProperties clickhouse, MeterRegistry meters,
            @Value("${budmetrics.analytics.deadline:30s}") Duration deadline,
            @Value("${budmetrics.analytics.priority:10}") int priority,
            @Value("${budmetrics.analytics.max-threads:0}") int maxThreads,
            @Value("${budmetrics.analytics.os-thread-priority:10}") int osThreadPriority,
            @Value("${budmetrics.analytics.max-memory:}") DataSize maxMemory,
            @Value("${budmetrics.analytics.materialized-cte:}") String materializedCte,
            @Value("${budmetrics.analytics.max-body-size:64KB}") DataSize maxBodySize,
            @Value("${budmetrics.analytics.rollups:true}") boolean rollups) {
        this.maxBodyBytes = maxBodySize.toBytes();
        this.runner = new AnalyticsQueryRunner(engine);
        this.canceller = new QueryCanceller(engine, meters);
        this.deadline = deadline;
        this.deadlinesExceeded = meters.counter("budmetrics.analytics.deadlines.exceeded");
        long memory = maxMemory != null && maxMemory.toBytes() > 0 ? maxMemory.toBytes()
                : clickhouse.isEmbedded() ? clickhouse.embedded().serverMemoryCap() / Math.max(1, Math.min(engine.slots(), 64))
                : 4L << 30;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("priority", Integer.toString(priority));
        settings.put("max_threads", Integer.toString(maxThreads > 0 ? maxThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors() / 2)));
        settings.put("max_memory_usage", Long.toString(memory));
        if (osThreadPriority != 0) {
            settings.put("os_thread_priority", Integer.toString(osThreadPriority));
        }
        this.limits = Map.copyOf(settings);
        boolean materialize = materializedCte == null || materializedCte.isBlank()
                ? engine.embedded()
                : Boolean.parseBoolean(materializedCte.trim());
        // the statement carries no max_execution_time: the engine gets what is left of the deadline, beside it
        this.builder = new QueryBuilder(clock, 0, materialize, rollups, !clickhouse.cluster().enabled());
    }

    /** The settings every analytics query is sent with, besides its {@code max_execution_time}. */
    Map<String, String> limits() {
        return limits;
    }

    @PreDestroy
    void close() {
        canceller.close();
    }

    /**
     * Body to {@link AnalyticsRequest}, which becomes the body (the cache key) and the property {@value #REQUEST}; sets
     * {@value #REACHES_PRESENT}. Content type and declared length are checked before a byte is read, and the read stops
     * one byte past the limit. The request headers stay: the route drops them.
     */
    public void parse(Exchange exchange) {
        exchange.setProperty(Deadline.PROPERTY, Deadline.startingNow(deadline));
        Message message = exchange.getMessage();
        exchange.setProperty(SERVLET_REQUEST, message.getHeader(Exchange.HTTP_SERVLET_REQUEST, HttpServletRequest.class));
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
     * Runs the query and streams its rows to the JSON body (byte[]), within what is left of the request's
     * {@link Deadline}: the engine gets it as {@code max_execution_time}, and the query is cancelled in the engine when
     * it passes or the client goes away ({@link QueryCanceller}). The exchange's {@link ServerTiming} (when present)
     * gets {@code execute} (until the engine answers), {@code shape} (reading and decoding the engine's rows:
     * {@link BinaryRows}) and {@code serialize} (writing the JSON: {@link RowJsonWriter}).
     *
     * @throws ApiException 504 past the deadline, 503 (with Retry-After) over the memory cap
     */
    public byte[] runQuery(Exchange exchange) throws SQLException {
        ServerTiming timing = exchange.getProperty(ServerTiming.PROPERTY, ServerTiming.class);
        Runnable executed = timing == null ? () -> { } : () -> timing.mark("execute");
        Deadline requestDeadline = exchange.getProperty(Deadline.PROPERTY, Deadline.class);
        Deadline within = requestDeadline == null ? Deadline.startingNow(deadline) : requestDeadline;
        Duration left = within.remaining();
        if (left.isNegative() || left.isZero()) {
            throw deadlineExceeded(null);
        }
        String queryId = UUID.randomUUID().toString();
        Map<String, String> settings = new LinkedHashMap<>(limits);
        settings.put("max_execution_time", seconds(left));
        HttpServletRequest servletRequest = exchange.getProperty(SERVLET_REQUEST, HttpServletRequest.class);
        ClientConnection client = servletRequest == null ? null : ClientConnection.of(servletRequest);
        try (QueryCanceller.Watch watch = canceller.watch(queryId, left, client == null ? null : client::gone)) {
            cancelOnDisconnect(servletRequest, watch);
            try {
                // the client stops waiting a little after the engine should have: the engine's own answer comes first
                RowJsonWriter.Result result = runner.runToJson(exchange.getMessage().getBody(SqlQuery.class),
                        exchange.getProperty(REQUEST, AnalyticsRequest.class), executed, queryId, settings, left.plusSeconds(2));
                if (timing != null) {
                    timing.add("shape", result.timing().readNanos());
                    timing.add("serialize", result.timing().totalNanos() - result.timing().readNanos());
                    timing.restart();
                }
                return result.body();
            } catch (SQLException e) {
                if (e.getErrorCode() == TIMEOUT_EXCEEDED || watch.cancelled() == QueryCanceller.Reason.DEADLINE || within.passed()) {
                    throw deadlineExceeded(e);
                }
                if (OUT_OF_MEMORY.contains(e.getErrorCode())) {
                    ApiException memory = ApiException.serviceUnavailable("the analytics query needed more memory than it may use"
                            + " (ANALYTICS_MAX_MEMORY, or the engine's cap while other queries run); narrow the range, add filters or"
                            + " retry later", MEMORY_RETRY_AFTER_SECONDS);
                    memory.initCause(e);
                    throw memory;
                }
                if (e.getErrorCode() == QUERY_WAS_CANCELLED && watch.cancelled() == QueryCanceller.Reason.DISCONNECT) {
                    throw ApiException.serviceUnavailable("the client went away; the query was cancelled", 1);
                }
                throw e;
            }
        }
    }

    private ApiException deadlineExceeded(Exception cause) {
        deadlinesExceeded.increment();
        ApiException timeout = new ApiException(504, "the analytics request ran past its " + deadline.toSeconds()
                + " s deadline (ANALYTICS_DEADLINE_SECONDS); narrow the range or add filters", List.of());
        if (cause != null) {
            timeout.initCause(cause);
        }
        return timeout;
    }

    /** {@code max_execution_time} from what is left, in seconds with millisecond precision (the engine takes fractions). */
    static String seconds(Duration left) {
        return java.math.BigDecimal.valueOf(Math.max(1, left.toMillis()), 3).stripTrailingZeros().toPlainString();
    }

    /**
     * A servlet container that reports a client gone as an error of the request's async context has the query cancelled
     * at once (Tomcat does not: {@link ClientConnection} tells, looked at by the watch).
     */
    private static void cancelOnDisconnect(HttpServletRequest request, QueryCanceller.Watch watch) {
        if (request == null || !request.isAsyncStarted()) {
            return;
        }
        try {
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    // the answer went out, or the container gave up on it: a query still running then has no reader
                    watch.cancelSoon(QueryCanceller.Reason.DISCONNECT);
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    watch.cancelSoon(QueryCanceller.Reason.DEADLINE);
                }

                @Override
                public void onError(AsyncEvent event) {
                    watch.cancelSoon(QueryCanceller.Reason.DISCONNECT);
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
        } catch (IllegalStateException e) {
            // the request completed meanwhile: nothing left to watch
        }
    }

}
