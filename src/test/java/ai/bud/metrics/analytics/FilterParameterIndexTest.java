package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.support.TestClickHouse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A filter list bound as one {@code Array(UUID)} parameter ({@code d.project_id IN {project_ids:Array(UUID)}}) still lets
 * the engine skip granules by the primary key (whose first column is project_id): the builder's own statement, explained
 * on the embedded engine.
 */
class FilterParameterIndexTest {

    private static final int PROJECTS = 50;
    private static final int ROWS = 200_000;

    @Test
    void aFilterListBoundAsOneArrayStillNarrowsTheReadByThePrimaryKey() throws Exception {
        DataSource data = TestClickHouse.database("filter_parameter_index");
        try (Connection connection = data.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO ModelInferenceDetails (inference_id, project_id, endpoint_id, model_id, is_success, "
                    + "request_arrival_time, request_forward_time) SELECT generateUUIDv4(), "
                    + "toUUID(concat('00000000-0000-4000-8000-', leftPad(toString(number % " + PROJECTS + "), 12, '0'))), "
                    + "generateUUIDv4(), generateUUIDv4(), true, toDateTime64('2024-01-01 00:00:00', 3, 'UTC') + number, "
                    + "toDateTime64('2024-01-01 00:00:00', 3, 'UTC') + number FROM numbers(" + ROWS + ")");
        }
        String body = "{\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-01-04T00:00:00Z\","
                + "\"filters\":{\"project\":[\"00000000-0000-4000-8000-000000000003\",\"00000000-0000-4000-8000-000000000041\"]}}";
        Clock clock = Clock.fixed(Instant.parse("2024-02-01T00:00:00Z"), ZoneOffset.UTC);
        SqlQuery query = new QueryBuilder(clock, 60, true).build(new AnalyticsRequestParser(clock).parse(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(query.sql()).contains("AND d.project_id IN {project_ids:Array(UUID)}");

        List<String> plan = new ArrayList<>();
        try (InputStream answer = new EngineClient(data).queryRowBinary("EXPLAIN indexes = 1 " + query.sql(), query.values())) {
            BinaryRows rows = BinaryRows.open(answer);
            while (rows.next()) {
                plan.add(rows.getString(1));
            }
        }
        String text = String.join("\n", plan);
        int primaryKey = text.indexOf("PrimaryKey");
        assertThat(primaryKey).as(text).isPositive();
        String section = text.substring(primaryKey);
        assertThat(section).as(text).contains("project_id in 2-element set");
        Matcher granules = Pattern.compile("Granules: (\\d+)/(\\d+)").matcher(section);
        assertThat(granules.find()).as(text).isTrue();
        long total = (ROWS + 8191) / 8192;
        assertThat(Long.parseLong(granules.group(2))).as(text).isGreaterThanOrEqualTo(total);
        assertThat(Long.parseLong(granules.group(1))).as("granules read of " + granules.group(2) + "\n" + text)
                .isLessThan(Long.parseLong(granules.group(2)) / 4);
    }
}
