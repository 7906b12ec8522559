package ai.bud.metrics.analytics;

/**
 * One field of a metric's JSON object. {@code expression} is an aggregate over the columns of the query's
 * {@code source} rows (see {@link QueryBuilder}); it is null for a field that is always null.
 */
public record MetricField(String name, Kind kind, String expression) {

    /** How the value travels from ClickHouse to JSON. */
    public enum Kind {
        /** JSON integer, 0 when there are no inputs. */
        INTEGER,
        /** JSON number, 0 when there are no inputs. */
        NUMBER,
        /** JSON number, null when there are no inputs. */
        NULLABLE_NUMBER,
        /** Always null (kept for wire compatibility). */
        ALWAYS_NULL
    }

    static MetricField integer(String name, String expression) {
        return new MetricField(name, Kind.INTEGER, expression);
    }

    static MetricField number(String name, String expression) {
        return new MetricField(name, Kind.NUMBER, expression);
    }

    static MetricField nullableNumber(String name, String expression) {
        return new MetricField(name, Kind.NULLABLE_NUMBER, expression);
    }

    static MetricField alwaysNull(String name) {
        return new MetricField(name, Kind.ALWAYS_NULL, null);
    }

    /** The SELECT expression producing this field's column, with the zero/null shape applied. */
    String selectExpression() {
        return switch (kind) {
            case INTEGER -> "toInt64(coalesce(" + expression + ", 0))";
            case NUMBER -> "toFloat64(coalesce(" + expression + ", 0))";
            case NULLABLE_NUMBER -> "toNullable(toFloat64(" + expression + "))";
            case ALWAYS_NULL -> throw new IllegalStateException(name + " has no expression");
        };
    }
}
