package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JDBC path through Hikari and the facade, on the real engine: every column type, errors, parallelism. */
class JdbcRoundTripTest {

    private static DataSource dataSource;

    @BeforeAll
    static void database() {
        dataSource = TestClickHouse.database("jdbc_it");
    }

    record Detail(UUID id, String ip, UUID project, UUID endpoint, UUID model, Double cost, String analysis, boolean success,
            LocalDateTime arrival, LocalDateTime forward, String apiKey, Integer status) {
    }

    @Test
    void batchInsertAndTypedReadBackOfEveryDetailsColumn() throws Exception {
        Random random = new Random(7);
        List<Detail> written = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            LocalDateTime arrival = LocalDateTime.of(2024, 3, 1, 12, 0).plusNanos((long) random.nextInt(86_400_000) * 1_000_000L);
            written.add(new Detail(UUID.randomUUID(),
                    i % 3 == 0 ? null : i % 3 == 1 ? "10.1.2." + i : "2001:db8::" + Integer.toHexString(i),
                    UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(),
                    i % 4 == 0 ? null : random.nextDouble() * 3,
                    i % 2 == 0 ? null : "{\"tokens\":" + i + ",\"note\":\"it's \\\"quoted\\\"; DROP TABLE x\"}",
                    i % 5 != 0, arrival, arrival.plusNanos(1_000_000L * (1 + random.nextInt(100))),
                    i % 2 == 0 ? "key-" + i : null, i % 2 == 0 ? 200 + i : null));
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement("INSERT INTO ModelInferenceDetails (inference_id, request_ip, project_id,"
                        + " endpoint_id, model_id, cost, response_analysis, is_success, request_arrival_time, request_forward_time, api_key_id,"
                        + " status_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Detail d : written) {
                insert.setObject(1, d.id());
                insert.setString(2, d.ip());
                insert.setObject(3, d.project());
                insert.setObject(4, d.endpoint());
                insert.setObject(5, d.model());
                if (d.cost() == null) {
                    insert.setNull(6, Types.DOUBLE);
                } else {
                    insert.setDouble(6, d.cost());
                }
                insert.setString(7, d.analysis());
                insert.setBoolean(8, d.success());
                insert.setObject(9, d.arrival());
                insert.setObject(10, d.forward());
                insert.setString(11, d.apiKey());
                if (d.status() == null) {
                    insert.setNull(12, Types.INTEGER);
                } else {
                    insert.setInt(12, d.status());
                }
                insert.addBatch();
            }
            insert.executeBatch();

            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT inference_id, request_ip, project_id, endpoint_id, model_id, cost,"
                            + " toString(response_analysis), is_success, request_arrival_time, request_forward_time, api_key_id, status_code,"
                            + " dateDiff('millisecond', request_arrival_time, request_forward_time) FROM ModelInferenceDetails")) {
                int seen = 0;
                while (rows.next()) {
                    UUID id = rows.getObject(1, UUID.class);
                    Detail d = written.stream().filter(w -> w.id().equals(id)).findFirst().orElseThrow();
                    if (d.ip() == null) {
                        assertThat(rows.getObject(2)).isNull();
                    } else {
                        InetAddress ip = (InetAddress) rows.getObject(2);
                        assertThat(ip).isEqualTo(InetAddress.getByName(d.ip()));
                    }
                    assertThat(rows.getObject(3, UUID.class)).isEqualTo(d.project());
                    assertThat(rows.getObject(4, UUID.class)).isEqualTo(d.endpoint());
                    assertThat(rows.getObject(5, UUID.class)).isEqualTo(d.model());
                    Object cost = rows.getObject(6);
                    assertThat(cost == null ? null : ((Number) cost).doubleValue()).isEqualTo(d.cost());
                    if (d.analysis() == null) {
                        assertThat(rows.getString(7)).isIn(null, "", "null", "{}");
                    } else {
                        assertThat(rows.getString(7)).contains("\"tokens\":").contains("DROP TABLE x");
                    }
                    assertThat(rows.getBoolean(8)).isEqualTo(d.success());
                    assertThat(rows.getObject(9, LocalDateTime.class)).isEqualTo(d.arrival());
                    assertThat(rows.getObject(10, LocalDateTime.class)).isEqualTo(d.forward());
                    assertThat(rows.getString(11)).isEqualTo(d.apiKey());
                    Object status = rows.getObject(12);
                    assertThat(status == null ? null : ((Number) status).intValue()).isEqualTo(d.status());
                    assertThat(rows.getLong(13)).isEqualTo(java.time.Duration.between(d.arrival(), d.forward()).toMillis());
                    seen++;
                }
                assertThat(seen).isEqualTo(written.size());
            }
        }
    }

    @Test
    void batchInsertAndTypedReadBackOfModelInference() throws Exception {
        UUID inference = UUID.randomUUID();
        // UUIDv7 whose 48-bit prefix is 2024-05-06T07:08:09.123Z
        long millis = java.time.Instant.parse("2024-05-06T07:08:09.123Z").toEpochMilli();
        UUID v7 = new UUID((millis << 16) | 0x7000L | 0x123L, 0x8000_0000_0000_0001L);
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO ModelInference (id, inference_id, raw_request, raw_response,"
                    + " model_name, model_provider_name, input_tokens, output_tokens, response_time_ms, ttft_ms, system, input_messages, output,"
                    + " cached, finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < 2; i++) {
                    insert.setObject(1, i == 0 ? v7 : new UUID((millis << 16) | 0x7000L | 0x124L, 0x8000_0000_0000_0002L));
                    insert.setObject(2, i == 0 ? inference : UUID.randomUUID());
                    insert.setString(3, "{\"q\":\"hi\"}");
                    insert.setString(4, "{}");
                    insert.setString(5, "gpt-x");
                    insert.setString(6, "openai");
                    if (i == 0) {
                        insert.setLong(7, 4_000_000_000L);
                        insert.setInt(8, 42);
                        insert.setInt(9, 1234);
                        insert.setInt(10, 56);
                    } else {
                        insert.setNull(7, Types.BIGINT);
                        insert.setNull(8, Types.INTEGER);
                        insert.setNull(9, Types.INTEGER);
                        insert.setNull(10, Types.INTEGER);
                    }
                    insert.setString(11, i == 0 ? "sys" : null);
                    insert.setString(12, "[]");
                    insert.setString(13, "out");
                    insert.setBoolean(14, i == 0);
                    insert.setString(15, i == 0 ? "tool_call" : null);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement query = connection.prepareStatement("SELECT id, model_name, input_tokens, output_tokens, response_time_ms,"
                    + " ttft_ms, timestamp, cached, finish_reason, system FROM ModelInference WHERE inference_id = ?")) {
                query.setObject(1, inference);
                try (ResultSet rows = query.executeQuery()) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getObject(1, UUID.class)).isEqualTo(v7);
                    assertThat(rows.getString(2)).isEqualTo("gpt-x");
                    assertThat(rows.getLong(3)).isEqualTo(4_000_000_000L);
                    assertThat(rows.getInt(4)).isEqualTo(42);
                    assertThat(rows.getInt(5)).isEqualTo(1234);
                    assertThat(rows.getInt(6)).isEqualTo(56);
                    assertThat(rows.getObject(7, LocalDateTime.class)).isEqualTo(LocalDateTime.of(2024, 5, 6, 7, 8, 9));
                    assertThat(rows.getBoolean(8)).isTrue();
                    assertThat(rows.getString(9)).isEqualTo("tool_call");
                    assertThat(rows.getString(10)).isEqualTo("sys");
                    assertThat(rows.next()).isFalse();
                }
            }
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT countIf(input_tokens IS NULL), countIf(finish_reason IS NULL) FROM ModelInference")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
                assertThat(rows.getInt(2)).isEqualTo(1);
            }
        }
    }

    @Test
    void anSqlErrorArrivesWithClickHousesCodeAndMessage() throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM no_such_table"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(60);
                        assertThat(e.getMessage()).contains("UNKNOWN_TABLE").contains("no_such_table");
                    });
            assertThatThrownBy(() -> statement.executeQuery("SELEC 1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(62));
            try (ResultSet rows = statement.executeQuery("SELECT 1")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void parallelQueriesFromEightThreadsThroughHikari() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<long[]>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long n = 100_000L * (t + 1);
                tasks.add(() -> {
                    long[] results = new long[20];
                    for (int i = 0; i < results.length; i++) {
                        try (Connection connection = dataSource.getConnection();
                                PreparedStatement query = connection.prepareStatement("SELECT sum(number) FROM numbers(?)")) {
                            query.setLong(1, n + i);
                            try (ResultSet rows = query.executeQuery()) {
                                rows.next();
                                results[i] = rows.getLong(1);
                            }
                        }
                    }
                    return results;
                });
            }
            List<Future<long[]>> futures = pool.invokeAll(tasks);
            for (int t = 0; t < 8; t++) {
                long[] results = futures.get(t).get();
                for (int i = 0; i < results.length; i++) {
                    long n = 100_000L * (t + 1) + i;
                    assertThat(results[i]).isEqualTo(n * (n - 1) / 2);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
