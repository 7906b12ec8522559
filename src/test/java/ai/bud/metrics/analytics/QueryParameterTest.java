package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.support.TestClickHouse;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Named, typed parameters: each value reaches the engine exactly as given, with the type it was bound as, never in the SQL. */
class QueryParameterTest {

    private final EngineClient engine = new EngineClient(TestClickHouse.database("query_parameters"));

    @Test
    void theEngineReadsEveryValueExactlyAsGiven() throws Exception {
        String hostile = "it's a \\ backslash,\ta tab,\na newline,\r\0 ü and '); DROP TABLE x; -- {p:String}";
        Instant instant = Instant.parse("2024-02-29T23:59:59.987Z");
        List<UUID> ids = List.of(new UUID(0, 0), new UUID(-1, -1), UUID.fromString("6a0e3c8e-2f4b-4c47-9c1e-0d6f2a1b3c4d"));
        SqlQuery query = new SqlQuery("SELECT {text:String} AS text, "
                + "toString(toTimeZone({at:DateTime64(3, 'UTC')}, {tz:String})) AS local, toUnixTimestamp64Milli({at:DateTime64(3, 'UTC')}) AS millis, "
                + "{big:Int64} AS big, {top:UInt64} AS top, arrayStringConcat(arrayMap(u -> toString(u), {ids:Array(UUID)}), ',') AS ids, "
                + "toTypeName({ids:Array(UUID)}) AS ids_type", new java.util.LinkedHashMap<>(Map.of(
                        "text", QueryParameter.string(hostile), "at", QueryParameter.utcMillis(instant), "tz", QueryParameter.string("Asia/Kolkata"),
                        "big", QueryParameter.int64(-9_000_000_000L), "top", QueryParameter.uint64(Long.MAX_VALUE),
                        "ids", QueryParameter.uuids(ids))));
        assertThat(query.sql()).doesNotContain("DROP", "Kolkata", "2024", "9000000000");

        try (InputStream answer = engine.queryRowBinary(query.sql(), query.values())) {
            BinaryRows row = BinaryRows.open(answer);
            assertThat(row.next()).isTrue();
            assertThat(row.getString(row.findColumn("text"))).isEqualTo(hostile);
            assertThat(row.getString(row.findColumn("local"))).isEqualTo(
                    java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").format(instant.atZone(java.time.ZoneId.of("Asia/Kolkata"))));
            assertThat(row.getLong(row.findColumn("millis"))).isEqualTo(instant.toEpochMilli());
            assertThat(row.getLong(row.findColumn("big"))).isEqualTo(-9_000_000_000L);
            assertThat(row.getLong(row.findColumn("top"))).isEqualTo(Long.MAX_VALUE);
            assertThat(row.getString(row.findColumn("ids"))).isEqualTo(String.join(",", ids.stream().map(UUID::toString).toList()));
            assertThat(row.getString(row.findColumn("ids_type"))).isEqualTo("Array(UUID)");
            assertThat(row.next()).isFalse();
        }
    }

    @Test
    void refusesWhatNoPlaceholderCouldCarry() {
        assertThatThrownBy(() -> QueryParameter.uint64(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueryParameter(" ", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueryParameter("String", null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(QueryParameter.uuids(List.of()).value()).isEqualTo("[]");
    }
}
