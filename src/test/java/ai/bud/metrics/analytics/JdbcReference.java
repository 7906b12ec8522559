package ai.bud.metrics.analytics;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The reference paths the tests compare the service's writer with: the statement through plain JDBC, its rows shaped
 * into {@link AnalyticsResponse} records ({@link ResultShaper}, then {@link ResponseWriter}), or written by
 * {@link RowJsonWriter} through the JDBC getters. JDBC has no named parameters, so the values are written into the
 * statement as the engine itself substitutes a query parameter: {@code _CAST('<value>', '<Type>')} (test code only; the
 * service never puts a value into SQL text).
 */
final class JdbcReference {

    private JdbcReference() {
    }

    /** The rows as records, written by Jackson. */
    static byte[] recordsJson(DataSource dataSource, SqlQuery query, AnalyticsRequest request) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(inline(query))) {
            return ResponseWriter.toJson(ResultShaper.shape(rows, request));
        }
    }

    /** The rows through the JDBC getters, written by {@link RowJsonWriter}. */
    static byte[] gettersJson(DataSource dataSource, SqlQuery query, AnalyticsRequest request) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(inline(query))) {
            return toBytes(rows, request).body();
        }
    }

    static RowJsonWriter.Result toBytes(ResultSet rows, AnalyticsRequest request) throws SQLException {
        RowJsonWriter.Out out = new RowJsonWriter.Out(64 * 1024);
        RowJsonWriter.Timing timing = RowJsonWriter.write(new Cursor(rows), request, out, new Getters(rows),
                new RowJsonWriter.Columns(rows::findColumn, request, false));
        return new RowJsonWriter.Result(out.bytes(), timing);
    }

    /** Every {@code {name:Type}} of the statement replaced by {@code _CAST('<value>', '<Type>')}. */
    static String inline(SqlQuery query) {
        String sql = query.sql();
        for (Map.Entry<String, QueryParameter> parameter : query.params().entrySet()) {
            String placeholder = parameter.getValue().placeholder(parameter.getKey());
            if (!sql.contains(placeholder)) {
                throw new IllegalArgumentException("the statement has no " + placeholder);
            }
            // a parameter's text is in the escaped form, which a quoted literal reads alike once its quotes are escaped
            String value = "'" + parameter.getValue().value().replace("'", "\\'") + "'";
            String type = "'" + parameter.getValue().type().replace("\\", "\\\\").replace("'", "\\'") + "'";
            sql = sql.replace(placeholder, "_CAST(" + value + ", " + type + ")");
        }
        return sql;
    }

    private static final class Cursor implements RowJsonWriter.Rows {
        private final ResultSet rows;
        private long reading;

        Cursor(ResultSet rows) {
            this.rows = rows;
        }

        @Override
        public boolean next() throws SQLException {
            long before = System.nanoTime();
            boolean more = rows.next();
            reading += System.nanoTime() - before;
            return more;
        }

        @Override
        public long readingNanos() {
            return reading;
        }
    }

    private static final class Getters implements RowJsonWriter.RowValues {
        private final ResultSet rows;

        Getters(ResultSet rows) {
            this.rows = rows;
        }

        @Override
        public long getLong(int index) throws SQLException {
            return rows.getLong(index);
        }

        @Override
        public double getDouble(int index) throws SQLException {
            return rows.getDouble(index);
        }

        @Override
        public double getNullableDouble(int index) throws SQLException {
            return rows.getDouble(index);
        }

        @Override
        public boolean wasNull() throws SQLException {
            return rows.wasNull();
        }

        @Override
        public double getQuantile(int index, double level) throws SQLException {
            // the reference paths read raw statements, whose percentiles are values (Columns(…, false) asks for none)
            throw new SQLException("the JDBC reference reads no sketches");
        }

        @Override
        public void writeText(int index, RowJsonWriter.Out out) throws SQLException {
            out.ascii(rows.getString(index));
        }
    }
}
