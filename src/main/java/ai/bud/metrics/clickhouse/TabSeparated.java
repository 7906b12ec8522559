package ai.bud.metrics.clickhouse;

/** ClickHouse's TabSeparated text escaping, shared by every writer of TabSeparated INSERT bodies. */
public final class TabSeparated {

    private TabSeparated() {
    }

    /** Appends {@code value} escaped for a TabSeparated field: backslash, tab, newline and carriage return. */
    public static StringBuilder escape(StringBuilder out, CharSequence value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out;
    }
}
