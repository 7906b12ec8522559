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
 * driver's decoded rows directly (what the service does) and when every value goes through the JDBC getters.
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
        SqlQuery query = builder.build(request);

        String reference = new String(ResponseWriter.toJson(runner.run(query, request)), StandardCharsets.UTF_8);
        String streamed = new String(runner.runToJson(query, request, () -> { }).body(), StandardCharsets.UTF_8);
        String throughGetters = new String(viaJdbcGetters(query, request), StandardCharsets.UTF_8);

        assertThat(streamed).isEqualTo(reference);
        assertThat(throughGetters).isEqualTo(reference);
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
