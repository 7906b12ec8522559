package ai.bud.metrics.load;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * What the under-load tests share: an analytics request that is slow by construction (its table replaced by an endless
 * view, so no timing of real data is assumed), the engine's own list of running queries, and a client that goes away.
 */
final class EngineLoad {

    /** The day the endless rows fall on: an analytics request for it never finishes on its own. */
    static final String ENDLESS_DAY_REQUEST = "{\"metrics\":[\"request_count\"],\"from_date\":\"2001-06-01T00:00:00Z\","
            + "\"to_date\":\"2001-06-02T00:00:00Z\",\"frequency_unit\":\"day\"}";

    /** The view's rows: every column the table has, all on 2001-06-01, 10^12 of them, each costing a hash. */
    static final String ENDLESS_ROWS = """
            SELECT reinterpretAsUUID(sipHash128(number)) AS inference_id, CAST(NULL AS Nullable(IPv6)) AS request_ip,
                toUUID('11111111-1111-4111-8111-111111111111') AS project_id, toUUID('22222222-2222-4222-8222-222222222222') AS endpoint_id,
                toUUID('33333333-3333-4333-8333-333333333333') AS model_id, CAST(0.5 AS Nullable(Float64)) AS cost,
                CAST(NULL AS Nullable(String)) AS response_analysis, true AS is_success,
                toDateTime64('2001-06-01 00:00:00', 3) AS request_arrival_time,
                toDateTime64('2001-06-01 00:00:01', 3) AS request_forward_time, CAST(NULL AS Nullable(String)) AS api_key_id,
                CAST(NULL AS Nullable(String)) AS user_id, CAST(NULL AS Nullable(String)) AS api_key_project_id,
                CAST(NULL AS Nullable(String)) AS error_code, CAST(NULL AS Nullable(String)) AS error_message,
                CAST(NULL AS Nullable(String)) AS error_type, CAST(NULL AS Nullable(UInt16)) AS status_code, now() AS created_at
            FROM numbers(1000000000000)""";

    private EngineLoad() {
    }

    /** Puts the endless view in the place of ModelInferenceDetails (the table is kept as ModelInferenceDetails_kept). */
    static void replaceDetailsWithEndlessView(DataSource dataSource) throws SQLException {
        execute(dataSource, "RENAME TABLE ModelInferenceDetails TO ModelInferenceDetails_kept");
        execute(dataSource, "CREATE VIEW ModelInferenceDetails AS " + ENDLESS_ROWS);
    }

    static void restoreDetails(DataSource dataSource) throws SQLException {
        execute(dataSource, "DROP VIEW IF EXISTS ModelInferenceDetails");
        execute(dataSource, "RENAME TABLE ModelInferenceDetails_kept TO ModelInferenceDetails");
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Seconds each analytics query on {@code database}'s details table has run so far, as the engine lists them. */
    static List<Double> runningAnalytics(DataSource dataSource, String database) throws SQLException {
        List<Double> elapsed = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT elapsed FROM system.processes WHERE current_database = '" + database
                        + "' AND query LIKE '%FROM ModelInferenceDetails AS d%' AND query NOT LIKE '%system.processes%'")) {
            while (rows.next()) {
                elapsed.add(rows.getDouble(1));
            }
        }
        return elapsed;
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> postAnalytics(int port, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .header("Content-Type", "application/json").header("Cache-Control", "no-cache").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the analytics request on a socket of its own and leaves it open: closing the socket is the client going away. */
    static Socket sendAndHold(int port, String body) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /observability/analytics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Cache-Control: no-cache\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Waits for {@code check}; returns the milliseconds it took. */
    static long await(String what, Duration limit, Check check) throws Exception {
        long started = System.nanoTime();
        while (!check.holds()) {
            if (System.nanoTime() - started > limit.toNanos()) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }
}
