package ai.bud.metrics.analytics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link SqlQuery} with its {@code ?} placeholders turned into ClickHouse query parameters ({@code {p1:String}} …),
 * the values travelling beside the SQL text ({@code param_p1=…} on the HTTP interface), never inside it. The types are
 * those of the literals clickhouse-jdbc writes for the same values: a {@code String} as {@code String}, a whole number as
 * {@code Int64}, a {@code Double} as {@code Float64}. Placeholders are found outside quoted strings, quoted identifiers
 * and comments (line and block).
 */
record ServerParameters(String sql, Map<String, Object> values) {

    static ServerParameters of(SqlQuery query) {
        String sql = query.sql();
        List<Object> params = query.params();
        StringBuilder out = new StringBuilder(sql.length() + params.size() * 16);
        Map<String, Object> values = new LinkedHashMap<>();
        int next = 0;
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int end = closing(sql, i, c);
                out.append(sql, i, end);
                i = end;
            } else if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? sql.length() : end;
                out.append(sql, i, end);
                i = end;
            } else if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                end = end < 0 ? sql.length() : end + 2;
                out.append(sql, i, end);
                i = end;
            } else if (c == '?') {
                if (next == params.size()) {
                    throw new IllegalArgumentException("more placeholders than the " + params.size() + " parameters");
                }
                Object value = params.get(next++);
                String name = "p" + next;
                out.append('{').append(name).append(':').append(typeOf(value)).append('}');
                values.put(name, text(value));
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        if (next != params.size()) {
            throw new IllegalArgumentException(params.size() + " parameters for " + next + " placeholders");
        }
        return new ServerParameters(out.toString(), values);
    }

    /** The index just past the quote that closes the one at {@code start} (a doubled or backslashed quote stays inside). */
    private static int closing(String sql, int start, char quote) {
        int i = start + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        throw new IllegalArgumentException("an unclosed " + quote + " in the statement");
    }

    private static String typeOf(Object value) {
        if (value instanceof String) {
            return "String";
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return "Int64";
        }
        if (value instanceof Double || value instanceof Float) {
            return "Float64";
        }
        throw new IllegalArgumentException("no query parameter type for a " + (value == null ? "null" : value.getClass().getName()));
    }

    /** The value as the engine parses a parameter: text in the escaped (TabSeparated) form. */
    private static String text(Object value) {
        if (!(value instanceof String text)) {
            return value.toString();
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\0' -> out.append("\\0");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
