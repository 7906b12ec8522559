package ai.bud.metrics.analytics;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

/**
 * A value bound to a {@code {name:Type}} placeholder: its ClickHouse type and its text as the engine parses a query
 * parameter (sent beside the SQL as {@code param_<name>}, never inside it). Made only by the factories, so the text is
 * always the type's own form.
 */
public record QueryParameter(String type, String value) {

    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    public QueryParameter {
        if (type == null || type.isBlank() || value == null) {
            throw new IllegalArgumentException("a query parameter needs a type and a value");
        }
    }

    /** An instant to the millisecond, in UTC. */
    static QueryParameter utcMillis(Instant instant) {
        return new QueryParameter("DateTime64(3, 'UTC')", MILLIS.format(instant));
    }

    /** An instant on a whole second, in UTC ({@code DateTime('UTC')}: the rollup's grain bounds). */
    static QueryParameter utcSeconds(Instant instant) {
        if (instant.getNano() != 0) {
            throw new IllegalArgumentException("a DateTime parameter must be a whole second, got " + instant);
        }
        return new QueryParameter("DateTime('UTC')", SECONDS.format(instant));
    }

    static QueryParameter string(String text) {
        return new QueryParameter("String", escaped(text));
    }

    static QueryParameter int64(long value) {
        return new QueryParameter("Int64", Long.toString(value));
    }

    static QueryParameter uint64(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("a UInt64 parameter must not be negative, got " + value);
        }
        return new QueryParameter("UInt64", Long.toString(value));
    }

    /** A list of ids as one {@code Array(UUID)}: {@code ['…','…']} (UUID text needs no escaping). */
    static QueryParameter uuids(List<UUID> ids) {
        StringBuilder text = new StringBuilder(ids.size() * 39 + 2).append('[');
        for (int i = 0; i < ids.size(); i++) {
            text.append(i == 0 ? "'" : ",'").append(ids.get(i)).append('\'');
        }
        return new QueryParameter("Array(UUID)", text.append(']').toString());
    }

    /** The placeholder of this value under {@code name}, as written in the SQL. */
    String placeholder(String name) {
        return "{" + name + ":" + type + "}";
    }

    /** A String parameter's text in the escaped (TabSeparated) form the engine reads parameters in. */
    private static String escaped(String text) {
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
