package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming writer (rows straight to JSON, what the service sends) gives byte for byte the body of the reference
 * path (rows to {@link AnalyticsResponse} records by {@link ResultShaper}, then {@link ResponseWriter}), on every
 * request shape of {@link AnalyticsEndToEndTest} (whose oracle checks the values themselves), both when it reads the
 * driver's decoded rows directly — on the writing thread, or on a second thread while it writes (what the service
 * does) — and when every value goes through the JDBC getters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowJsonWriterTest {

    private final DataSource dataSource = TestClickHouse.database("row_json_writer");
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(Clock.systemUTC());
    private final QueryBuilder builder = new QueryBuilder(Clock.systemUTC(), 60);
    private final AnalyticsQueryRunner runner = new AnalyticsQueryRunner(dataSource);

    @BeforeAll
    void load() throws Exception {
        AnalyticsEndToEndTest.DATA.insert(dataSource);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        return AnalyticsEndToEndTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamsTheSameBodyAsTheRecordPath(String name, Ask ask) throws Exception {
        AnalyticsRequest request = parser.parse(ask.toString().getBytes(StandardCharsets.UTF_8));
        SqlQuery query = singleThreaded(builder.build(request));

        String reference = new String(ResponseWriter.toJson(runner.run(query, request)), StandardCharsets.UTF_8);
        String streamed = new String(runner.runToJson(query, request, () -> { }).body(), StandardCharsets.UTF_8);
        String direct = new String(inMode(query, request, RowJsonWriter.Mode.DIRECT), StandardCharsets.UTF_8);
        String pipelined = new String(inMode(query, request, RowJsonWriter.Mode.PIPELINED), StandardCharsets.UTF_8);
        String throughGetters = new String(viaJdbcGetters(query, request), StandardCharsets.UTF_8);

        assertThat(streamed).isEqualTo(reference);
        assertThat(direct).isEqualTo(reference);
        assertThat(pipelined).isEqualTo(reference);
        assertThat(throughGetters).isEqualTo(reference);
    }

    /**
     * The statement with {@code max_threads = 1}: each path runs it once, and a float average summed by two threads
     * may differ in its last digit from one run to the next (seen: 666.0377381624194 / …191). This test compares the
     * writing paths, so the engine must give them the same numbers.
     */
    private static SqlQuery singleThreaded(SqlQuery query) {
        String sql = query.sql();
        return new SqlQuery(sql.contains("\nSETTINGS ") ? sql + ", max_threads = 1" : sql + "\nSETTINGS max_threads = 1", query.params());
    }

    private byte[] inMode(SqlQuery query, AnalyticsRequest request, RowJsonWriter.Mode mode) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(query.sql())) {
            for (int i = 0; i < query.params().size(); i++) {
                statement.setObject(i + 1, query.params().get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                return RowJsonWriter.toBytes(rows, request, mode).body();
            }
        }
    }

    /** Rows read on a second thread: every row once, in order, each value as the driver's row gives it. */
    @Test
    void aPipeHandsOverEveryRowInOrderWithItsValues() throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT toInt64(number) AS n, number * 0.5 AS half,"
                        + " if(number % 3 = 0, NULL, toFloat64(number)) AS maybe, generateUUIDv4() AS id FROM numbers(5000)")) {
            RowJsonWriter.Values values = RowJsonWriter.Values.of(rows);
            assertThat(values.direct()).isTrue();
            int[] reads = {0, (1 << RowJsonWriter.Values.LONG) | (1 << RowJsonWriter.Values.DOUBLE), 1 << RowJsonWriter.Values.DOUBLE,
                1 << RowJsonWriter.Values.NULLABLE_DOUBLE, 1 << RowJsonWriter.Values.TEXT};
            long expected = 0;
            try (RowPipe pipe = RowPipe.start(rows, values, reads)) {
                while (pipe.next()) {
                    assertThat(values.getLong(1)).isEqualTo(expected);
                    assertThat(values.getDouble(1)).isEqualTo((double) expected);
                    assertThat(values.getDouble(2)).isEqualTo(expected * 0.5);
                    double maybe = values.getNullableDouble(3);
                    assertThat(values.wasNull()).isEqualTo(expected % 3 == 0);
                    assertThat(maybe).isEqualTo(expected % 3 == 0 ? 0.0 : (double) expected);
                    RowJsonWriter.Out out = new RowJsonWriter.Out(8);
                    values.writeText(4, out);
                    assertThat(UUID.fromString(new String(out.bytes(), StandardCharsets.US_ASCII))).isNotNull();
                    expected++;
                }
                assertThat(pipe.readingNanos(0)).isPositive();
            }
            assertThat(expected).isEqualTo(5000);
        }
    }

    /** A failure while reading reaches the writer; a writer that stops early stops the reading thread. */
    @Test
    void aReadingFailureReachesTheWriterAndAnEarlyStopEndsTheReading() throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT toInt64(number) AS n FROM numbers(3000)")) {
                int[] seen = {0};
                ResultSet failing = (ResultSet) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ResultSet.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("next") && ++seen[0] > 2000) {
                                throw new SQLException("connection reset while reading rows");
                            }
                            try {
                                return method.invoke(rows, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
                RowJsonWriter.Values values = RowJsonWriter.Values.throughGetters(failing);
                int delivered = 0;
                try (RowPipe pipe = RowPipe.start(failing, values, new int[] {0, 1 << RowJsonWriter.Values.LONG})) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                        int n = 0;
                        while (pipe.next()) {
                            assertThat(values.getLong(1)).isEqualTo(n++);
                        }
                    }).isInstanceOf(SQLException.class).hasMessageContaining("connection reset");
                    delivered = seen[0];
                }
                assertThat(delivered).isEqualTo(2001);
            }
            try (ResultSet rows = statement.executeQuery("SELECT toInt64(number) AS n FROM numbers(1000000)")) {
                RowJsonWriter.Values values = RowJsonWriter.Values.of(rows);
                long start = System.nanoTime();
                try (RowPipe pipe = RowPipe.start(rows, values, new int[] {0, 1 << RowJsonWriter.Values.LONG})) {
                    assertThat(pipe.next()).isTrue();
                    assertThat(values.getLong(1)).isZero();
                }
                // close() returned: the reading thread let go of the result set long before a million rows
                assertThat(System.nanoTime() - start).isLessThan(java.time.Duration.ofSeconds(20).toNanos());
            }
        }
    }

    /** The service reads the driver's decoded rows directly; this checks that it does here, so the test above covers it. */
    @Test
    void readsTheDriversDecodedRowsDirectly() throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT toUUID('0189f7e2-5c4a-7b3d-9e01-a2b3c4d5e6f7') AS id, toUInt8(1) AS flag,"
                        + " toInt64(-7) AS n, CAST(NULL AS Nullable(Float64)) AS missing, 2.5 AS x")) {
            RowJsonWriter.Values values = RowJsonWriter.Values.of(rows);
            assertThat(values.direct()).isTrue();
            assertThat(rows.next()).isTrue();
            RowJsonWriter.Out out = new RowJsonWriter.Out(8);
            values.writeText(1, out);
            assertThat(new String(out.bytes(), StandardCharsets.US_ASCII)).isEqualTo("0189f7e2-5c4a-7b3d-9e01-a2b3c4d5e6f7");
            assertThat(values.getLong(2)).isEqualTo(rows.getLong(2)).isEqualTo(1L);
            assertThat(values.getLong(3)).isEqualTo(rows.getLong(3)).isEqualTo(-7L);
            assertThat(values.getDouble(3)).isEqualTo(rows.getDouble(3)).isEqualTo(-7.0);
            assertThat(values.getNullableDouble(4)).isZero();
            assertThat(values.wasNull()).isTrue();
            assertThat(values.getNullableDouble(5)).isEqualTo(rows.getDouble(5)).isEqualTo(2.5);
            assertThat(values.wasNull()).isFalse();
        }
    }

    @Test
    void spellsUuidsAsTheJdkDoes() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(6);
        for (int i = 0; i < 10_000; i++) {
            UUID uuid = new UUID(i < 2 ? (i == 0 ? 0L : -1L) : random.nextLong(), i < 2 ? (i == 0 ? 0L : -1L) : random.nextLong());
            RowJsonWriter.Out out = new RowJsonWriter.Out(4);
            out.uuid(uuid);
            assertThat(new String(out.bytes(), StandardCharsets.US_ASCII)).isEqualTo(uuid.toString());
        }
    }

    @Test
    void bufferKeepsEveryWriteInOrderAcrossChunks() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        RowJsonWriter.Out out = new RowJsonWriter.Out(16);
        for (int i = 0; i < 20_000; i++) {
            switch (random.nextInt(4)) {
                case 0 -> {
                    int b = 'a' + random.nextInt(26);
                    out.write(b);
                    expected.write(b);
                }
                case 1 -> {
                    byte[] bytes = new byte[random.nextInt(i % 1000 == 0 ? 5_000_000 : 300)];
                    java.util.Arrays.fill(bytes, (byte) ('A' + random.nextInt(26)));
                    out.write(bytes);
                    expected.writeBytes(bytes);
                }
                case 2 -> {
                    String text = Long.toString(random.nextLong());
                    out.ascii(text);
                    expected.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
                }
                default -> {
                    UUID uuid = new UUID(random.nextLong(), random.nextLong());
                    out.uuid(uuid);
                    expected.writeBytes(uuid.toString().getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        assertThat(out.bytes()).isEqualTo(expected.toByteArray());
    }

    /** The same rows behind a plain {@link ResultSet} that is not the driver's: every value through the JDBC getters. */
    private byte[] viaJdbcGetters(SqlQuery query, AnalyticsRequest request) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(query.sql())) {
            for (int i = 0; i < query.params().size(); i++) {
                statement.setObject(i + 1, query.params().get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                ResultSet plain = (ResultSet) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ResultSet.class},
                        (proxy, method, args) -> switch (method.getName()) {
                            case "isWrapperFor" -> false;
                            case "unwrap" -> throw new SQLException("not a wrapper");
                            default -> {
                                try {
                                    yield method.invoke(rows, args);
                                } catch (InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            }
                        });
                assertThat(RowJsonWriter.Values.of(plain).direct()).isFalse();
                return RowJsonWriter.toBytes(plain, request).body();
            }
        }
    }
}
