package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * {@link BinaryRows} decodes the engine's RowBinary answer as clickhouse-jdbc's getters read the same statement (the
 * oracle here: the driver's own decoding), for every type it takes; it refuses other types before any row, and an
 * answer cut inside a row is an error, never a short result.
 */
class BinaryRowsTest {

    private static final DataSource DATA = TestClickHouse.database("binary_rows");

    /** Every decoded type, with its edges: negatives, unsigned values above the signed range, NULLs, NaN, text. */
    private static final String ALL_TYPES = """
            SELECT number AS n,
                toInt8(-100 + number) AS i8, toInt16(-30000 + number) AS i16, toInt32(-2000000000 + number) AS i32,
                toInt64(-9000000000000000000 + number) AS i64,
                toUInt8(250 + number) AS u8, toUInt16(65530 + number) AS u16, toUInt32(4294967290 + number) AS u32,
                toUInt64(18446744073709551610 + number) AS u64, toUInt64(number * 1000) AS small_u64,
                toFloat32(number / 3) AS f32, if(number = 2, nan, number / 7 - 0.5) AS f64, toBool(number % 2) AS b,
                if(number % 2 = 0, NULL, number * 1.5) AS nullable_f64, if(number = 1, NULL, toInt64(number)) AS nullable_i64,
                reinterpretAsUUID(MD5(toString(number))) AS id, toUUID('00000000-0000-0000-0000-000000000000') AS zero_id,
                toUUID('ffffffff-ffff-ffff-8000-00000000000f') AS high_id,
                repeat('ü€', toUInt32(number)) AS text, toLowCardinality(toString(number)) AS low
            FROM numbers(5)
            ORDER BY n
            """;

    @Test
    void decodesEveryTypeAsTheDriversGettersRead() throws Exception {
        List<String> expected = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        try (Connection connection = DATA.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(ALL_TYPES)) {
            for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                columns.add(rows.getMetaData().getColumnName(i));
            }
            while (rows.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns.size(); i++) {
                    String name = columns.get(i - 1);
                    if (name.endsWith("id") || name.equals("text") || name.equals("low")) {
                        row.append(name).append('=').append(rows.getString(i)).append(' ');
                    } else {
                        int column = i;
                        String asLong = longOf(() -> name.startsWith("f") || name.equals("nullable_f64") ? (long) rows.getDouble(column)
                                : rows.getLong(column));
                        row.append(name).append('=').append(asLong).append('/').append(rows.getDouble(i))
                                .append(rows.wasNull() ? "(null)" : "").append(' ');
                    }
                }
                expected.add(row.toString());
            }
        }

        List<String> decoded = new ArrayList<>();
        try (Connection connection = DATA.getConnection(); QueryResponse response = query(connection, ALL_TYPES)) {
            BinaryRows rows = BinaryRows.open(response.getInputStream());
            int[] index = new int[columns.size() + 1];
            for (int i = 1; i <= columns.size(); i++) {
                index[i] = rows.findColumn(columns.get(i - 1));
            }
            while (rows.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns.size(); i++) {
                    String name = columns.get(i - 1);
                    if (name.equals("text") || name.equals("low")) {
                        row.append(name).append('=').append(rows.getString(index[i])).append(' ');
                    } else if (name.endsWith("id")) {
                        RowJsonWriter.Out out = new RowJsonWriter.Out(16);
                        rows.writeText(index[i], out);
                        row.append(name).append('=').append(new String(out.bytes(), StandardCharsets.UTF_8)).append(' ');
                    } else {
                        int column = index[i];
                        String asLong = longOf(() -> rows.getLong(column));
                        double asDouble = rows.getNullableDouble(index[i]);
                        row.append(name).append('=').append(asLong).append('/').append(asDouble)
                                .append(rows.wasNull() ? "(null)" : "").append(' ');
                    }
                }
                decoded.add(row.toString());
            }
        }
        assertThat(decoded).hasSize(5).containsExactlyElementsOf(expected);
        assertThat(String.join("\n", decoded)).contains("u64=out of range/1.8446744073709552E19", "nullable_f64=0/0.0(null)",
                "high_id=ffffffff-ffff-ffff-8000-00000000000f", "text=ü€ü€ ");
    }

    @Test
    void refusesAnUnknownTypeBeforeAnyRowAndACutAnswerInsideARow() throws Exception {
        try (Connection connection = DATA.getConnection(); QueryResponse response = query(connection, "SELECT 1 AS a, now() AS b")) {
            assertThatThrownBy(() -> BinaryRows.open(response.getInputStream()))
                    .isInstanceOf(BinaryRows.UnsupportedTypeException.class).hasMessageContaining("DateTime");
        }
        byte[] whole;
        try (Connection connection = DATA.getConnection();
                QueryResponse response = query(connection, "SELECT toInt64(number) AS a, toString(number) AS b FROM numbers(3)")) {
            whole = response.getInputStream().readAllBytes();
        }
        BinaryRows complete = BinaryRows.open(new ByteArrayInputStream(whole));
        int rows = 0;
        while (complete.next()) {
            assertThat(complete.getLong(complete.findColumn("a"))).isEqualTo(rows++);
        }
        assertThat(rows).isEqualTo(3);

        BinaryRows cut = BinaryRows.open(new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 3)));
        assertThat(cut.next()).isTrue();
        assertThat(cut.next()).isTrue();
        assertThatThrownBy(cut::next).isInstanceOf(SQLException.class).hasMessageContaining("ended inside a row");
        assertThatThrownBy(() -> complete.findColumn("c")).isInstanceOf(SQLException.class);
    }

    private interface LongRead {
        long read() throws SQLException;
    }

    /** The long, or "out of range" where the getter refuses it (a UInt64 above Long.MAX_VALUE). */
    private static String longOf(LongRead read) {
        try {
            return Long.toString(read.read());
        } catch (SQLException e) {
            return "out of range";
        }
    }

    private static QueryResponse query(Connection connection, String sql) throws Exception {
        Client client = connection.unwrap(com.clickhouse.jdbc.ConnectionImpl.class).getClient();
        return client.query(sql, Map.of(), new QuerySettings().setFormat(ClickHouseFormat.RowBinaryWithNamesAndTypes)).get();
    }
}
