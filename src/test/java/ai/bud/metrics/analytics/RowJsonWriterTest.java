package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming writer (rows straight to JSON, what the service sends) gives byte for byte the body of the reference
 * path (rows to {@link AnalyticsResponse} records by {@link ResultShaper}, then {@link ResponseWriter}), on every
 * request shape of {@link AnalyticsEndToEndTest} (whose oracle checks the values themselves).
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

        assertThat(streamed).isEqualTo(reference);
    }
}
