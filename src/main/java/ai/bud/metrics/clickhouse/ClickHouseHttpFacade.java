package ai.bud.metrics.clickhouse;

import com.clickhouse.client.api.internal.ClickHouseLZ4InputStream;
import com.clickhouse.client.api.internal.ClickHouseLZ4OutputStream;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jpountz.lz4.LZ4Factory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ClickHouse HTTP interface in front of the embedded engine, on a loopback port, so clickhouse-jdbc
 * and any ClickHouse tool (curl included) talk to it as to a server. Each request is sessionless, as on a
 * real server: its database and settings are applied on the borrowed chDB connection and undone before
 * the connection serves anyone else, and a {@code SET} or {@code USE} statement sent on its own changes nothing.
 *
 * <p>It gives no more than a ClickHouse server's default does, and less: only programs on this machine, not web
 * pages, are served, with credentials when configured ({@link PortAccess}); bodies are capped; client SQL reaches
 * nothing outside the engine's data ({@link QueryGuard}, and the engine's own user, {@link EngineUserConfig}); a GET
 * request only reads, as on a server.
 */
public final class ClickHouseHttpFacade implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClickHouseHttpFacade.class);

    /** URL parameters of the HTTP interface that are not settings. */
    private static final Set<String> NON_SETTINGS = Set.of("query", "database", "default_format", "compress", "decompress",
            "user", "password", "query_id", "session_id", "session_timeout", "session_check", "buffer_size",
            "wait_end_of_query", "enable_http_compression", "http_headers_progress_interval_ms", "send_progress_in_http_headers",
            "client_protocol_version", "role", "http_response_buffer_size", "quota_key");
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    /** A query parameter's placeholder, {@code {name:Type}}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*:");

    /** {@code sql} with every string literal, quoted identifier and comment blanked out (same length and positions). */
    static String outsideLiterals(String sql) {
        char[] code = new char[sql.length()];
        java.util.Arrays.fill(code, ' ');
        ClickHouseLexer lexer = new ClickHouseLexer(sql);
        for (ClickHouseLexer.Type type = lexer.next(); type != ClickHouseLexer.Type.END; type = lexer.next()) {
            if (type != ClickHouseLexer.Type.STRING && type != ClickHouseLexer.Type.QUOTED_IDENTIFIER
                    && type != ClickHouseLexer.Type.UNTERMINATED) {
                sql.getChars(lexer.start(), lexer.end(), code, lexer.start());
            }
        }
        return new String(code);
    }
    private static final int LZ4_BLOCK = 1024 * 1024;
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    private final EmbeddedClickHouse engine;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String timezone;
    private final QueryGuard guard;
    private final PortAccess access;
    private final long maxBody;
    /** The query ids of the requests running now: a second request with one of them is refused, as on a server. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    private ClickHouseHttpFacade(EmbeddedClickHouse engine, HttpServer server, ExecutorService executor,
            ClickHouseProperties.Embedded settings) {
        this.engine = engine;
        this.server = server;
        this.executor = executor;
        this.timezone = new String(engine.query("SELECT timezone()", "TabSeparated"), StandardCharsets.UTF_8).strip();
        this.guard = guardFor(engine);
        this.access = new PortAccess(settings.user(), settings.password());
        this.maxBody = settings.maxBody().toBytes();
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The guard for what this engine lists: its table functions and engines beyond the allowlists are refused. */
    private static QueryGuard guardFor(EmbeddedClickHouse engine) {
        String listed = new String(engine.query("SELECT 'function', name FROM system.table_functions UNION ALL SELECT 'engine', name"
                + " FROM system.table_engines UNION ALL SELECT 'engine', name FROM system.database_engines", "TabSeparated"),
                StandardCharsets.UTF_8);
        Set<String> functions = new HashSet<>();
        Set<String> engines = new HashSet<>();
        for (String line : listed.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                (line.startsWith("function") ? functions : engines).add(line.substring(tab + 1));
            }
        }
        return QueryGuard.forEngine(functions, engines);
    }

    /** Serves {@code engine} on 127.0.0.1 with these settings (port 0 picks a free port). */
    public static ClickHouseHttpFacade start(EmbeddedClickHouse engine, ClickHouseProperties.Embedded settings) {
        int port = settings.port();
        // without TCP_NODELAY the JDK server's small answers wait for the client's delayed ACK: ~40 ms per keep-alive round
        // trip (docs/ARCHITECTURE.md). scripts/ and the image pass the flag; this makes a bare java -jar as fast. It is read
        // once, when the JDK's HTTP server first starts in this JVM.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            AtomicInteger threads = new AtomicInteger();
            // a thread per engine connection and as many more for requests that wait for one (or are sent to stop one)
            ExecutorService executor = Executors.newFixedThreadPool(Math.max(4, engine.connections() * 2), r -> {
                Thread thread = new Thread(r, "clickhouse-http-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            ClickHouseHttpFacade facade = new ClickHouseHttpFacade(engine, server, executor, settings);
            log.info("ClickHouse HTTP interface of the embedded engine on http://127.0.0.1:{}/{}", facade.port(),
                    settings.requiresCredentials() ? " (credentials required)" : "");
            return facade;
        } catch (IOException e) {
            throw new EmbeddedEngineException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(),
                    "free that port or set CLICKHOUSE_EMBEDDED_PORT to another one");
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                serve(exchange);
            } catch (EngineQueryException e) {
                sendError(exchange, e, statusOf(e.code()));
            } catch (CappedInputStream.TooLarge e) {
                sendError(exchange, tooLarge(), 413);
            } catch (RuntimeException e) {
                log.warn("facade request failed", e);
                sendError(exchange, new EngineQueryException("Code: 1002. DB::Exception: " + e), 500);
            }
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        access.checkLocalClient(headers);
        String path = exchange.getRequestURI().getPath();
        Map<String, String> params = parseQuery(exchange.getRequestURI().getRawQuery());
        long declaredLength = declaredLength(headers);
        boolean noBody = declaredLength <= 0 && !headers.containsKey("Transfer-Encoding");
        if ("/ping".equals(path) || ("/".equals(path) && !params.containsKey("query") && noBody)) {
            send(exchange, 200, "Ok.\n".getBytes(StandardCharsets.UTF_8), false, "text/plain; charset=UTF-8");
            return;
        }
        if (!"/".equals(path)) {
            sendError(exchange, new EngineQueryException("Code: 1002. DB::Exception: no handler for " + path), 404);
            return;
        }
        access.checkCredentials(headers, params);
        if (declaredLength > maxBody) {
            throw tooLarge();
        }
        InputStream body = new CappedInputStream(exchange.getRequestBody(), maxBody);
        if ("1".equals(params.get("decompress"))) {
            body = new CappedInputStream(new ClickHouseLZ4InputStream(body, LZ4Factory.fastestInstance().fastDecompressor(), LZ4_BLOCK),
                    maxBody);
        }
        // as on a server: GET only reads, and so does a request that asks for readonly
        String readonly = params.remove("readonly");
        boolean readOnly = "GET".equalsIgnoreCase(exchange.getRequestMethod()) || (readonly != null && !"0".equals(readonly));
        execute(exchange, params, body, readOnly);
    }

    private static long declaredLength(Headers headers) {
        String value = headers.getFirst("Content-Length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw EngineQueryException.of(27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED", "Content-Length is not a number");
        }
    }

    private EngineQueryException tooLarge() {
        return EngineQueryException.of(229, "QUERY_IS_TOO_LARGE", "The request body is larger than CLICKHOUSE_EMBEDDED_MAX_BODY ("
                + maxBody + " bytes)");
    }

    private void execute(HttpExchange exchange, Map<String, String> params, InputStream body, boolean readOnly) throws IOException {
        String queryParam = params.get("query");
        String format = firstNonNull(exchange.getRequestHeaders().getFirst("X-ClickHouse-Format"), params.get("default_format"), "TabSeparated");
        String database = firstNonNull(exchange.getRequestHeaders().getFirst("X-ClickHouse-Database"), params.get("database"), "default");
        boolean compress = "1".equals(params.get("compress"));
        QueryGuard.Statement statement = queryParam == null ? null : guard.check(queryParam, readOnly);
        String insertPrefix = statement == null ? null : statement.insertBeforeFormat(queryParam);
        Path insertData = null;
        try {
            String sql = null;
            if (insertPrefix != null) {
                // data in the body: hand it to the engine as a file (binary bodies do not survive as query text)
                insertData = Files.createTempFile("clickhouse-insert-", ".data");
                boolean values = statement.format().equalsIgnoreCase("Values");
                long length;
                if (values) {
                    byte[] data = body.readAllBytes();
                    guard.checkValuesData(new String(data, StandardCharsets.ISO_8859_1));
                    Files.write(insertData, data);
                    length = data.length;
                } else {
                    length = Files.copy(body, insertData, StandardCopyOption.REPLACE_EXISTING);
                }
                sql = length == 0 ? queryParam
                        : insertPrefix + " FROM INFILE " + quoted(insertData.toAbsolutePath().toString()) + " FORMAT " + statement.format();
            } else {
                byte[] text = body.readAllBytes();
                if (queryParam == null || text.length > 0) {
                    sql = queryParam == null ? new String(text, StandardCharsets.UTF_8)
                            : queryParam + "\n" + new String(text, StandardCharsets.UTF_8);
                    statement = guard.check(sql, readOnly);
                } else {
                    sql = queryParam;
                }
            }
            run(exchange, params, sql, statement, format, database, compress);
        } finally {
            if (insertData != null) {
                Files.deleteIfExists(insertData);
            }
        }
    }

    private void run(HttpExchange exchange, Map<String, String> params, String sql, QueryGuard.Statement statement, String format,
            String database, boolean compress) throws IOException {
        String queryId = firstNonNull(params.get("query_id"), UUID.randomUUID().toString(), null);
        exchange.getResponseHeaders().set("X-ClickHouse-Query-Id", queryId);
        exchange.getResponseHeaders().set("X-ClickHouse-Timezone", timezone);
        exchange.getResponseHeaders().set("X-ClickHouse-Server-Display-Name", "budmetrics-embedded");
        if (statement.sessionOnly()) {
            // Sessionless HTTP: a SET or USE alone affects nothing beyond its own request.
            send(exchange, 200, new byte[0], compress, "text/plain; charset=UTF-8");
            return;
        }
        Map<String, String> settings = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            if (!NON_SETTINGS.contains(name) && !name.startsWith("param_")) {
                settings.put(name, value);
            }
        });
        // the client's id, where KILL QUERY finds it (a request that sets its own log_comment keeps it, and is found by the
        // engine's id only)
        settings.putIfAbsent(EngineUserConfig.QUERY_ID_SETTING, queryId);
        Map<String, String> queryParameters = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            if (name.startsWith("param_")) {
                queryParameters.put(name.substring("param_".length()), value);
            }
        });
        // no brace, no placeholder: a statement whose values the JDBC driver rendered as literals (an existence check
        // holds 5000 ids) is not scanned by the pattern, which costs far more per character than indexOf
        Matcher placeholder = sql.indexOf('{') < 0 ? null : PLACEHOLDER.matcher(sql);
        if (placeholder != null && placeholder.find()) {
            // only where the engine reads code: "{name:" inside a string literal (a value bound by the JDBC driver,
            // which renders it as a literal) or a comment is text, as on a server
            placeholder = PLACEHOLDER.matcher(outsideLiterals(sql));
        }
        while (placeholder != null && placeholder.find()) {
            // parameters live on in the engine's session: a placeholder this request left unset must not see an old value
            if (!queryParameters.containsKey(placeholder.group(1))) {
                sendError(exchange, new EngineQueryException("Code: 456. DB::Exception: Substitution `" + placeholder.group(1)
                        + "` is not set. (UNKNOWN_QUERY_PARAMETER)"), 400);
                return;
            }
        }
        if (log.isTraceEnabled()) {
            log.trace("request settings {} parameters {} for {}", settings, queryParameters.keySet(),
                    sql.length() > 80 ? sql.substring(0, 80) + "…" : sql);
        }
        if (!running.add(queryId)) {
            throw EngineQueryException.of(216, "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING", "Query with id = " + queryId
                    + " is already running");
        }
        byte[] result;
        // a KILL must not wait behind the queries it is sent to stop: it takes the ingest lane, as ingest statements do
        boolean ingestLane = "ingest".equals(settings.get("workload")) || "KILL".equals(statement.kind());
        try (EmbeddedClickHouse.Session session = engine.session(ingestLane)) {
            session.useDatabase(database);
            String set = setStatement(settings, false);
            session.query(set, "TabSeparated");
            try {
                if (!queryParameters.isEmpty()) {
                    // one SET for all: the value is the parameter's text as sent (escaped form), quoted as a string literal
                    StringBuilder parameters = new StringBuilder("SET ");
                    for (Map.Entry<String, String> parameter : queryParameters.entrySet()) {
                        parameters.append(parameters.length() == 4 ? "" : ", ").append("param_").append(settingName(parameter.getKey()))
                                .append(" = ").append(quoted(parameter.getValue()));
                    }
                    session.query(parameters.toString(), "TabSeparated");
                }
                result = session.query("KILL".equals(statement.kind()) ? byClientQueryId(sql) : sql, format);
            } finally {
                session.query(setStatement(settings, true), "TabSeparated");
            }
        } finally {
            running.remove(queryId);
        }
        exchange.getResponseHeaders().set("X-ClickHouse-Format", format);
        exchange.getResponseHeaders().set("X-ClickHouse-Summary", "{\"read_rows\":\"0\",\"read_bytes\":\"0\",\"written_rows\":\"0\","
                + "\"written_bytes\":\"0\",\"total_rows_to_read\":\"0\",\"result_rows\":\"0\",\"result_bytes\":\"" + result.length + "\"}");
        send(exchange, 200, result, compress, contentType(format));
    }

    /**
     * One {@code SET} for the request's settings, or (with {@code reset}) the one that gives them back their baseline. The
     * engine checks every setting of a SET before it applies any, so a refused one leaves nothing behind to undo.
     */
    private static String setStatement(Map<String, String> settings, boolean reset) {
        StringBuilder set = new StringBuilder("SET ");
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String name = settingName(setting.getKey());
            String value = !reset ? literal(setting.getValue()) : EmbeddedClickHouse.BASELINE_SETTINGS.getOrDefault(name, "DEFAULT");
            set.append(set.length() == 4 ? "" : ", ").append(name).append(" = ").append(value);
        }
        return set.toString();
    }

    /**
     * A {@code KILL QUERY} statement with every {@code query_id} it names read as the client's id: chDB gives each
     * statement an id of its own, and the port keeps the client's in the setting {@value EngineUserConfig#QUERY_ID_SETTING}.
     */
    static String byClientQueryId(String sql) {
        StringBuilder rewritten = new StringBuilder(sql.length() + 64);
        ClickHouseLexer lexer = new ClickHouseLexer(sql);
        int copied = 0;
        for (ClickHouseLexer.Type type = lexer.next(); type != ClickHouseLexer.Type.END; type = lexer.next()) {
            boolean queryIdColumn = type == ClickHouseLexer.Type.WORD && sql.startsWith("query_id", lexer.start())
                    && lexer.end() - lexer.start() == "query_id".length();
            if (queryIdColumn) {
                rewritten.append(sql, copied, lexer.start()).append(CLIENT_QUERY_ID);
                copied = lexer.end();
            }
        }
        return rewritten.append(sql, copied, sql.length()).toString();
    }

    private static final String CLIENT_QUERY_ID = "if(empty(Settings['" + EngineUserConfig.QUERY_ID_SETTING + "']), query_id, Settings['"
            + EngineUserConfig.QUERY_ID_SETTING + "'])";

    private static String settingName(String name) {
        if (!SETTING_NAME.matcher(name).matches()) {
            throw new EngineQueryException("Code: 115. DB::Exception: Unknown setting '" + name + "'. (UNKNOWN_SETTING)");
        }
        return name;
    }

    private static String literal(String value) {
        return NUMBER.matcher(value).matches() ? value : quoted(value);
    }

    private static String quoted(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static int statusOf(int code) {
        return switch (code) {
            case 62, 27, 26, 36, 43, 47, 115, 456, 457 -> 400; // syntax, parse, bad arguments, types, unknown identifier/setting
            case 60, 81 -> 404; // unknown table, unknown database
            case 164, 452, 497 -> 403; // read-only request, fixed setting, access denied
            case 194, 516 -> 401; // no or wrong credentials
            case 229 -> 413; // body too large
            case 159 -> 504; // timeout exceeded
            default -> 500;
        };
    }

    private static String contentType(String format) {
        return format.startsWith("JSON") ? "application/json; charset=UTF-8"
                : format.startsWith("RowBinary") || format.startsWith("Native") ? "application/octet-stream"
                : "text/plain; charset=UTF-8";
    }

    private void sendError(HttpExchange exchange, EngineQueryException error, int status) throws IOException {
        exchange.getResponseHeaders().set("X-ClickHouse-Exception-Code", Integer.toString(error.code()));
        String message = error.getMessage();
        if (!message.startsWith("Code:")) {
            message = "Code: " + error.code() + ". DB::Exception: " + message;
        }
        send(exchange, status, (message + "\n").getBytes(StandardCharsets.UTF_8), false, "text/plain; charset=UTF-8");
    }

    private static void send(HttpExchange exchange, int status, byte[] payload, boolean compress, String contentType) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        byte[] out = payload;
        if (compress) {
            ByteArrayOutputStream framed = new ByteArrayOutputStream(Math.max(64, payload.length / 3));
            try (OutputStream lz4 = new ClickHouseLZ4OutputStream(framed, LZ4Factory.fastestInstance().fastCompressor(), LZ4_BLOCK)) {
                lz4.write(payload);
            }
            out = framed.toByteArray();
        }
        exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(out);
            }
        }
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(name, value);
        }
        return params;
    }

    private static String firstNonNull(String a, String b, String c) {
        return a != null ? a : b != null ? b : c;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
