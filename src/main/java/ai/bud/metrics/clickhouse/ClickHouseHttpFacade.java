package ai.bud.metrics.clickhouse;

import com.clickhouse.client.api.internal.ClickHouseLZ4InputStream;
import com.clickhouse.client.api.internal.ClickHouseLZ4OutputStream;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * the connection serves anyone else, and a {@code SET} statement sent on its own changes nothing.
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
    private static final Pattern SET_STATEMENT = Pattern.compile("(?is)^\\s*SET\\s+.*");
    private static final Pattern INSERT_WITH_FORMAT = Pattern.compile("(?is)^\\s*(INSERT\\s+INTO\\s+.+?)\\s+FORMAT\\s+(\\w+)\\s*;?\\s*$");
    private static final int LZ4_BLOCK = 1024 * 1024;

    private final EmbeddedClickHouse engine;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String timezone;

    private ClickHouseHttpFacade(EmbeddedClickHouse engine, HttpServer server, ExecutorService executor) {
        this.engine = engine;
        this.server = server;
        this.executor = executor;
        this.timezone = new String(engine.query("SELECT timezone()", "TabSeparated"), StandardCharsets.UTF_8).strip();
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Serves {@code engine} on 127.0.0.1:{@code port} (0 picks a free port). */
    public static ClickHouseHttpFacade start(EmbeddedClickHouse engine, int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            AtomicInteger threads = new AtomicInteger();
            ExecutorService executor = Executors.newFixedThreadPool(Math.max(4, engine.connections() * 2), r -> {
                Thread thread = new Thread(r, "clickhouse-http-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            ClickHouseHttpFacade facade = new ClickHouseHttpFacade(engine, server, executor);
            log.info("ClickHouse HTTP interface of the embedded engine on http://127.0.0.1:{}/", facade.port());
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
            String path = exchange.getRequestURI().getPath();
            Map<String, String> params = parseQuery(exchange.getRequestURI().getRawQuery());
            byte[] body = readBody(exchange, "1".equals(params.get("decompress")));
            if ("/ping".equals(path) || ("/".equals(path) && !params.containsKey("query") && body.length == 0)) {
                send(exchange, 200, "Ok.\n".getBytes(StandardCharsets.UTF_8), false, "text/plain; charset=UTF-8");
                return;
            }
            if (!"/".equals(path)) {
                sendError(exchange, new EngineQueryException("Code: 1002. DB::Exception: no handler for " + path), 404);
                return;
            }
            execute(exchange, params, body);
        } catch (RuntimeException e) {
            log.warn("facade request failed", e);
            sendError(exchange, new EngineQueryException("Code: 1002. DB::Exception: " + e), 500);
        }
    }

    private void execute(HttpExchange exchange, Map<String, String> params, byte[] body) throws IOException {
        String queryParam = params.get("query");
        String format = firstNonNull(exchange.getRequestHeaders().getFirst("X-ClickHouse-Format"), params.get("default_format"), "TabSeparated");
        String database = firstNonNull(exchange.getRequestHeaders().getFirst("X-ClickHouse-Database"), params.get("database"), "default");
        boolean compress = "1".equals(params.get("compress"));
        Path insertData = null;
        String sql;
        Matcher insert = queryParam == null ? null : INSERT_WITH_FORMAT.matcher(queryParam);
        if (insert != null && insert.matches() && body.length > 0) {
            // Data in the body: hand it to the engine as a file (binary bodies do not survive as query text).
            insertData = Files.createTempFile("clickhouse-insert-", ".data");
            Files.write(insertData, body);
            sql = insert.group(1) + " FROM INFILE '" + insertData.toAbsolutePath() + "' FORMAT " + insert.group(2);
        } else if (queryParam != null) {
            sql = body.length == 0 ? queryParam : queryParam + "\n" + new String(body, StandardCharsets.UTF_8);
        } else {
            sql = new String(body, StandardCharsets.UTF_8);
        }
        String queryId = firstNonNull(params.get("query_id"), UUID.randomUUID().toString(), null);
        exchange.getResponseHeaders().set("X-ClickHouse-Query-Id", queryId);
        exchange.getResponseHeaders().set("X-ClickHouse-Timezone", timezone);
        exchange.getResponseHeaders().set("X-ClickHouse-Server-Display-Name", "budmetrics-embedded");
        if (SET_STATEMENT.matcher(sql).matches()) {
            // Sessionless HTTP: a SET alone affects nothing beyond its own request.
            send(exchange, 200, new byte[0], compress, "text/plain; charset=UTF-8");
            return;
        }
        Map<String, String> settings = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            if (!NON_SETTINGS.contains(name) && !name.startsWith("param_")) {
                settings.put(name, value);
            }
        });
        Map<String, String> queryParameters = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            if (name.startsWith("param_")) {
                queryParameters.put(name.substring("param_".length()), value);
            }
        });
        Matcher placeholder = PLACEHOLDER.matcher(sql);
        while (placeholder.find()) {
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
        byte[] result;
        try (EmbeddedClickHouse.Session session = engine.session()) {
            session.useDatabase(database);
            try {
                for (Map.Entry<String, String> setting : settings.entrySet()) {
                    session.query("SET " + settingName(setting.getKey()) + " = " + literal(setting.getValue()), "TabSeparated");
                }
                if (!queryParameters.isEmpty()) {
                    // one SET for all: the value is the parameter's text as sent (escaped form), quoted as a string literal
                    StringBuilder set = new StringBuilder("SET ");
                    for (Map.Entry<String, String> parameter : queryParameters.entrySet()) {
                        set.append(set.length() == 4 ? "" : ", ").append("param_").append(settingName(parameter.getKey()))
                                .append(" = ").append(quoted(parameter.getValue()));
                    }
                    session.query(set.toString(), "TabSeparated");
                }
                result = session.query(sql, format);
            } finally {
                for (String name : settings.keySet()) {
                    if (SETTING_NAME.matcher(name).matches()) {
                        try {
                            String baseline = EmbeddedClickHouse.BASELINE_SETTINGS.getOrDefault(name, "DEFAULT");
                            session.query("SET " + name + " = " + baseline, "TabSeparated");
                        } catch (EngineQueryException ignored) {
                            // an unknown setting was never set
                        }
                    }
                }
            }
        } catch (EngineQueryException e) {
            sendError(exchange, e, statusOf(e.code()));
            return;
        } finally {
            if (insertData != null) {
                Files.deleteIfExists(insertData);
            }
        }
        exchange.getResponseHeaders().set("X-ClickHouse-Format", format);
        exchange.getResponseHeaders().set("X-ClickHouse-Summary", "{\"read_rows\":\"0\",\"read_bytes\":\"0\",\"written_rows\":\"0\","
                + "\"written_bytes\":\"0\",\"total_rows_to_read\":\"0\",\"result_rows\":\"0\",\"result_bytes\":\"" + result.length + "\"}");
        send(exchange, 200, result, compress, contentType(format));
    }

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

    private static byte[] readBody(HttpExchange exchange, boolean lz4Framed) throws IOException {
        InputStream in = exchange.getRequestBody();
        if (lz4Framed) {
            in = new ClickHouseLZ4InputStream(in, LZ4Factory.fastestInstance().fastDecompressor(), LZ4_BLOCK);
        }
        return in.readAllBytes();
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
