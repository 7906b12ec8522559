package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.support.TestClickHouse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** How the runner talks to the engine: parameters beside the SQL, the RowBinary answer, and the engine's errors. */
class AnalyticsQueryRunnerTest {

    private static final DataSource DATA = TestClickHouse.database("analytics_query_runner");
    private final AnalyticsQueryRunner runner = new AnalyticsQueryRunner(new EngineClient(DATA));
    private final AnalyticsRequest request = new AnalyticsRequestParser(Clock.systemUTC()).parse(
            "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-03T00:00:00Z\",\"frequency_unit\":\"day\",\"return_delta\":false}"
                    .getBytes(StandardCharsets.UTF_8));

    /** {@code days} empty buckets from {@code first}, parameters bound; {@code extra} adds a column of the given expression. */
    private static SqlQuery buckets(String first, long days, String extra) {
        return new SqlQuery("SELECT toUnixTimestamp64Milli({first:DateTime64(3, 'UTC')}) + number * 86400000 AS bucket, "
                + "toUInt8(0) AS has_data, toUInt64(0) AS m_request_count__count" + extra + " FROM numbers({days:UInt64}) ORDER BY bucket DESC",
                Map.of("first", QueryParameter.utcMillis(Instant.parse(first)), "days", QueryParameter.uint64(days)));
    }

    @Test
    void writesWhatTheReferencePathWritesAndRefusesAColumnTypeItCannotRead() throws Exception {
        SqlQuery two = buckets("2024-01-01T00:00:00Z", 2, "");
        String reference = new String(JdbcReference.recordsJson(DATA, two, request), StandardCharsets.UTF_8);
        int[] executed = {0};
        String binary = new String(runner.runToJson(two, request, () -> executed[0]++).body(), StandardCharsets.UTF_8);
        assertThat(reference).isEqualTo("{\"object\":\"observability_metrics\",\"items\":["
                + "{\"time_period\":\"2024-01-02T00:00:00\",\"items\":null},{\"time_period\":\"2024-01-01T00:00:00\",\"items\":null}]}");
        assertThat(binary).isEqualTo(reference);
        assertThat(executed[0]).isEqualTo(1);

        // no second path: a column the builder must never produce is a defect, reported as such
        assertThatThrownBy(() -> runner.runToJson(buckets("2024-01-01T00:00:00Z", 2, ", now() AS unread"), request, () -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("DateTime");
    }

    /** An external server's connections keep the driver's default: LZ4-compressed answers. The seam reads them too. */
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
        SqlQuery many = buckets("2000-01-01T00:00:00Z", 20_000, "");
        String reference = new String(JdbcReference.recordsJson(DATA, many, request), StandardCharsets.UTF_8);
        String viaCompression = new String(new AnalyticsQueryRunner(new EngineClient(compressed)).runToJson(many, request, () -> { }).body(),
                StandardCharsets.UTF_8);
        assertThat(viaCompression).isEqualTo(reference).contains("\"time_period\":\"2000-01-01T00:00:00\"");
    }

    /** The largest lists a request may carry (1000 ids per filter, three filters) go through whole, one parameter each. */
    @Test
    void thousandsOfIdsReachTheEngine() throws Exception {
        Map<String, QueryParameter> params = new java.util.LinkedHashMap<>();
        java.util.Set<UUID> union = new java.util.HashSet<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(12);
        for (String name : List.of("model_ids", "project_ids", "endpoint_ids")) {
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                // a third of the ids come from a small pool, so the lists overlap
                ids.add(i % 3 == 0 ? new UUID(0, random.nextInt(400)) : new UUID(random.nextLong(), random.nextLong()));
            }
            union.addAll(ids);
            params.put(name, QueryParameter.uuids(ids));
        }
        params.put("first", QueryParameter.utcMillis(Instant.parse("2000-01-01T00:00:00Z")));
        SqlQuery query = new SqlQuery("SELECT toUnixTimestamp64Milli({first:DateTime64(3, 'UTC')}) AS bucket, toUInt8(1) AS has_data, "
                + "toUInt64(0) AS series_rank, toInt64(length(arrayDistinct(arrayConcat({model_ids:Array(UUID)}, {project_ids:Array(UUID)}, "
                + "{endpoint_ids:Array(UUID)})))) AS m_request_count__count", params);
        String body = new String(runner.runToJson(query, request, () -> { }).body(), StandardCharsets.UTF_8);
        assertThat(body).contains("\"request_count\":{\"count\":" + union.size() + ",");
        assertThat(body).isEqualTo(new String(JdbcReference.recordsJson(DATA, query, request), StandardCharsets.UTF_8));
    }

    @Test
    void theEnginesErrorKeepsItsCodeForTheCaller() {
        // AnalyticsFlow turns code 159 (TIMEOUT_EXCEEDED) into a 504 naming max_execution_time
        SqlQuery slow = new SqlQuery("SELECT count() AS bucket FROM system.numbers WHERE number % {m:UInt64} = 7 "
                + "SETTINGS max_execution_time = 1, timeout_overflow_mode = 'throw'", Map.of("m", QueryParameter.uint64(1_000_003L)));
        SQLException failure = catchThrowableOfType(() -> runner.runToJson(slow, request, () -> { }), SQLException.class);
        assertThat((Object) failure).isNotNull();
        assertThat(failure.getErrorCode()).isEqualTo(AnalyticsFlow.TIMEOUT_EXCEEDED);

        SqlQuery wrong = new SqlQuery("SELECT no_such_column FROM system.one WHERE dummy = {d:Int64}", Map.of("d", QueryParameter.int64(0)));
        assertThat(catchThrowableOfType(() -> runner.runToJson(wrong, request, () -> { }), SQLException.class).getErrorCode())
                .isEqualTo(47); // UNKNOWN_IDENTIFIER
    }
}
