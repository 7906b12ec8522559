package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.bud.metrics.support.TestClickHouse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** How the runner talks to the engine: its binary path, the JDBC fallback, and the engine's errors. */
class AnalyticsQueryRunnerTest {

    private static final DataSource DATA = TestClickHouse.database("analytics_query_runner");
    private final AnalyticsQueryRunner runner = new AnalyticsQueryRunner(DATA);
    private final AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC()).parse(
            "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-03T00:00:00Z\",\"frequency_unit\":\"day\",\"return_delta\":false}"
                    .getBytes(StandardCharsets.UTF_8));

    /** Two empty buckets, parameters bound; {@code extra} adds a column of the given expression. */
    private static SqlQuery buckets(String extra) {
        return new SqlQuery("SELECT toInt64(toUnixTimestamp(toDateTime(?, 'UTC'))) * 1000 + number * 86400000 AS bucket, "
                + "toUInt8(0) AS has_data, toUInt64(0) AS m_request_count__count" + extra + " FROM numbers(?) ORDER BY bucket DESC", List.of("2024-01-01 00:00:00", 2));
    }

    @Test
    void aColumnTypeTheBinaryReaderDoesNotTakeFallsBackToJdbcWithTheSameBody() throws Exception {
        String reference = new String(ResponseWriter.toJson(runner.run(buckets(""), request)), StandardCharsets.UTF_8);
        String binary = new String(runner.runToJson(buckets(""), request, () -> { }).body(), StandardCharsets.UTF_8);
        int[] executed = {0};
        String fallback = new String(runner.runToJson(buckets(", now() AS unread"), request, () -> executed[0]++).body(),
                StandardCharsets.UTF_8);
        assertThat(executed[0]).as("one execute step, though the engine ran the statement twice").isEqualTo(1);
        assertThat(reference).isEqualTo("{\"object\":\"observability_metrics\",\"items\":["
                + "{\"time_period\":\"2024-01-02T00:00:00\",\"items\":null},{\"time_period\":\"2024-01-01T00:00:00\",\"items\":null}]}");
        assertThat(binary).isEqualTo(reference);
        assertThat(fallback).isEqualTo(reference);
    }

    /** An external server's connections keep the driver's default: LZ4-compressed answers. The binary path reads them too. */
    @Test
    void readsTheAnswerWhenTheDriverCompressesIt() throws Exception {
        String url = "jdbc:clickhouse://127.0.0.1:" + TestClickHouse.connector().port() + "/analytics_query_runner";
        java.util.Properties credentials = new java.util.Properties();
        credentials.setProperty("user", "default");
        credentials.setProperty("password", "");
        DataSource compressed = (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        return java.sql.DriverManager.getConnection(url, credentials);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        try (java.sql.Connection connection = compressed.getConnection()) {
            assertThat(AnalyticsQueryRunner.clientOf(connection)).isNotNull();
        }
        SqlQuery many = new SqlQuery("SELECT toInt64(toUnixTimestamp(toDateTime(?, 'UTC'))) * 1000 + number * 86400000 AS bucket, "
                + "toUInt8(0) AS has_data, toUInt64(0) AS m_request_count__count FROM numbers(?) ORDER BY bucket DESC",
                List.of("2000-01-01 00:00:00", 20_000));
        String reference = new String(ResponseWriter.toJson(runner.run(many, request)), StandardCharsets.UTF_8);
        String viaCompression = new String(new AnalyticsQueryRunner(compressed).runToJson(many, request, () -> { }).body(),
                StandardCharsets.UTF_8);
        assertThat(viaCompression).isEqualTo(reference).contains("\"time_period\":\"2000-01-01T00:00:00\"");
    }

    /** The largest parameter lists a request may carry (1000 ids per filter, three filters) go through whole. */
    @Test
    void thousandsOfParametersReachTheEngine() throws Exception {
        List<Object> params = new java.util.ArrayList<>();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            params.add(new java.util.UUID(i, i * 7L).toString());
            in.append(i == 0 ? "?" : ", ?");
        }
        params.add("2000-01-01 00:00:00");
        SqlQuery query = new SqlQuery("SELECT toInt64(toUnixTimestamp(toDateTime(?, 'UTC'))) * 1000 AS bucket, toUInt8(0) AS has_data, "
                + "toUInt64(length(ids)) AS m_request_count__count FROM (SELECT [" + in + "] AS ids)",
                java.util.stream.Stream.concat(java.util.stream.Stream.of(params.get(3000)), params.subList(0, 3000).stream()).toList());
        String body = new String(runner.runToJson(query, request, () -> { }).body(), StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"object\":\"observability_metrics\",\"items\":[{\"time_period\":\"2000-01-01T00:00:00\",\"items\":null}]}");
        assertThat(new String(ResponseWriter.toJson(runner.run(query, request)), StandardCharsets.UTF_8)).isEqualTo(body);
    }

    @Test
    void theEnginesErrorKeepsItsCodeForTheCaller() {
        // AnalyticsFlow turns code 159 (TIMEOUT_EXCEEDED) into a 503 naming max_execution_time
        SqlQuery slow = new SqlQuery("SELECT count() AS bucket FROM system.numbers WHERE number % ? = 7 "
                + "SETTINGS max_execution_time = 1, timeout_overflow_mode = 'throw'", List.of(1_000_003L));
        SQLException failure = catchThrowableOfType(() -> runner.runToJson(slow, request, () -> { }), SQLException.class);
        assertThat((Object) failure).isNotNull();
        assertThat(failure.getErrorCode()).isEqualTo(AnalyticsFlow.TIMEOUT_EXCEEDED);

        SqlQuery wrong = new SqlQuery("SELECT no_such_column FROM system.one WHERE dummy = ?", List.of(0));
        assertThat(catchThrowableOfType(() -> runner.runToJson(wrong, request, () -> { }), SQLException.class).getErrorCode())
                .isEqualTo(47); // UNKNOWN_IDENTIFIER
    }
}
