package ai.bud.metrics.analytics;

/**
 * One field of a metric's JSON object. {@code expression} is an aggregate over the columns of the query's raw
 * {@code source} rows, {@code rollupExpression} the same value as an aggregate over the rollup's partial sums
 * ({@link RollupColumn}, see {@link QueryBuilder}); both are null for a field that is always null. A percentile has no
 * {@code rollupExpression}: over the rollup the statement gives the merged sketch named {@code sketch}, and the service
 * reads the value at {@code level} from it ({@link LogHistogram#quantile}), within the sketch's stated error, not
 * exactly, so a request for exact percentiles reads raw rows.
 */
public record MetricField(String name, Kind kind, String expression, String rollupExpression, String sketch, double level) {

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

    static MetricField integer(String name, String expression, String rollupExpression) {
        return new MetricField(name, Kind.INTEGER, expression, rollupExpression, null, 0);
    }

    static MetricField number(String name, String expression, String rollupExpression) {
        return new MetricField(name, Kind.NUMBER, expression, rollupExpression, null, 0);
    }

    static MetricField nullableNumber(String name, String expression, String rollupExpression) {
        return new MetricField(name, Kind.NULLABLE_NUMBER, expression, rollupExpression, null, 0);
    }

    /**
     * A percentile: exact from raw rows ({@code expression}); from the rollup, the value at {@code level} of the merged
     * log-histogram sketch the statement names {@code sketch} ({@link LogHistogram}), or null when it is empty.
     */
    static MetricField percentile(String name, String expression, String sketch, double level) {
        return new MetricField(name, Kind.NULLABLE_NUMBER, expression, null, sketch, level);
    }

    static MetricField alwaysNull(String name) {
        return new MetricField(name, Kind.ALWAYS_NULL, null, null, null, 0);
    }

    /** The rollup gives this value from a sketch (within its stated error), not exactly. */
    public boolean sketched() {
        return sketch != null;
    }

    /** The SELECT expression producing this field's column from raw rows, with the zero/null shape applied. */
    String selectExpression() {
        return shaped(expression);
    }

    /** The same from the rollup's partial sums. */
    String rollupSelectExpression() {
        return shaped(rollupExpression);
    }

    private String shaped(String aggregate) {
        return switch (kind) {
            case INTEGER -> "toInt64(coalesce(" + aggregate + ", 0))";
            case NUMBER -> "toFloat64(coalesce(" + aggregate + ", 0))";
            case NULLABLE_NUMBER -> "toNullable(toFloat64(" + aggregate + "))";
            case ALWAYS_NULL -> throw new IllegalStateException(name + " has no expression");
        };
    }
}
