package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The {@code ?} placeholders as query parameters: the values reach the engine unchanged and never in the SQL text. */
class ServerParametersTest {

    private static final DataSource DATA = TestClickHouse.database("server_parameters");

    @Test
    void turnsPlaceholdersOutsideQuotesAndCommentsIntoTypedParameters() {
        ServerParameters bound = ServerParameters.of(new SqlQuery(
                "SELECT ? AS a, '?' AS b, `?` AS c, \"?\" AS d, 'it''s ?' AS e, 'x\\'?' AS f -- ?\n, toInt64(?) /* ? */ AS g, ? AS h",
                List.of("one", 2L, 3.5)));
        assertThat(bound.sql()).isEqualTo(
                "SELECT {p1:String} AS a, '?' AS b, `?` AS c, \"?\" AS d, 'it''s ?' AS e, 'x\\'?' AS f -- ?\n, toInt64({p2:Int64}) /* ? */ AS g, {p3:Float64} AS h");
        assertThat(bound.values()).containsExactly(Map.entry("p1", "one"), Map.entry("p2", "2"), Map.entry("p3", "3.5"));
        assertThatThrownBy(() -> ServerParameters.of(new SqlQuery("SELECT ?, ?", List.of("one"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerParameters.of(new SqlQuery("SELECT ?", List.of("one", "two"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerParameters.of(new SqlQuery("SELECT ?", List.of(new Object()))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theEngineReadsEveryValueExactlyAsGiven() throws Exception {
        List<Object> values = List.of("it's a \\ backslash,\ta tab,\na newline, ü and '); DROP TABLE x; --", "Asia/Kolkata",
                -9_000_000_000L, 7);
        ServerParameters bound = ServerParameters.of(new SqlQuery(
                "SELECT ? AS text, toTimeZone(toDateTime64('2024-01-01 00:00:00', 3, 'UTC'), ?) AS local, ? AS big, ? AS small",
                values));
        assertThat(bound.sql()).doesNotContain("DROP", "Kolkata");
        try (Connection connection = DATA.getConnection();
                QueryResponse response = AnalyticsQueryRunner.clientOf(connection)
                        .query(bound.sql(), bound.values(), new QuerySettings().setFormat(ClickHouseFormat.JSONEachRow)).get()) {
            JsonNode row = new ObjectMapper().readTree(response.getInputStream());
            assertThat(row.get("text").asText()).isEqualTo(values.get(0));
            assertThat(row.get("local").asText()).isEqualTo("2024-01-01 05:30:00.000");
            assertThat(row.get("big").asLong()).isEqualTo(-9_000_000_000L);
            assertThat(row.get("small").asLong()).isEqualTo(7);
        }
    }
}
