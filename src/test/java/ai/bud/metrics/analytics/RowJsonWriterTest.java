package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.nio.charset.StandardCharsets;
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
 * path (JDBC rows to {@link AnalyticsResponse} records by {@link ResultShaper}, then {@link ResponseWriter}), on every
 * request shape of {@link AnalyticsEndToEndTest} (whose oracle checks the values themselves), both when it reads the
 * engine's RowBinary itself ({@link BinaryRows}: what the service does) and when every value goes through the JDBC
 * getters ({@link JdbcReference}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowJsonWriterTest {

    private final DataSource dataSource = TestClickHouse.database("row_json_writer");
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(Clock.systemUTC());
    private final QueryBuilder builder = new QueryBuilder(Clock.systemUTC(), 60);
    private final AnalyticsQueryRunner runner = new AnalyticsQueryRunner(new ai.bud.metrics.clickhouse.EngineClient(dataSource));

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

        String reference = new String(JdbcReference.recordsJson(dataSource, query, request), StandardCharsets.UTF_8);
        String streamed = new String(runner.runToJson(query, request, () -> { }).body(), StandardCharsets.UTF_8);
        String throughGetters = new String(JdbcReference.gettersJson(dataSource, query, request), StandardCharsets.UTF_8);

        assertThat(streamed).isEqualTo(reference);
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
}
