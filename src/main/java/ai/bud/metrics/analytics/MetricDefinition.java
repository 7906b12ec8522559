package ai.bud.metrics.analytics;

import java.util.List;

/**
 * A metric as data: its fields, which one is primary (deltas, top-K), whether it reads ModelInference, how top-K
 * ranks it, and the expression that ranks a series over the whole range (usually the primary field's), over raw rows
 * and over the rollup's partial sums; {@code rollupInputs} are the partial sums its rollup expressions read.
 */
public record MetricDefinition(String name, List<MetricField> fields, String primaryField, boolean needsInference,
        boolean needsSameSecond, RankOrder rankOrder, String rankExpression, String rollupRankExpression,
        List<RollupColumn> rollupInputs) {

    public MetricDefinition {
        fields = List.copyOf(fields);
        rollupInputs = List.copyOf(rollupInputs);
        if (fields.stream().noneMatch(f -> f.name().equals(primaryField) && f.kind() != MetricField.Kind.ALWAYS_NULL)) {
            throw new IllegalArgumentException(name + ": primary field " + primaryField + " must be a computed field");
        }
    }

    public MetricField primary() {
        return fields.stream().filter(f -> f.name().equals(primaryField)).findFirst().orElseThrow();
    }

    /** True when the rollup answers one of its fields from a sketch (percentiles) rather than exactly. */
    boolean sketched() {
        return fields.stream().anyMatch(MetricField::sketched);
    }

    /** Column alias of a field in the generated SQL. */
    String column(MetricField field) {
        return "m_" + name + "__" + field.name();
    }

    String previousColumn() {
        return "prev_" + name;
    }

    /** The ranking expression with the primary field's zero/null shape. */
    String rankSelectExpression() {
        return rankField().selectExpression();
    }

    /** The same over the rollup's partial sums. */
    String rollupRankSelectExpression() {
        return rankField().rollupSelectExpression();
    }

    private MetricField rankField() {
        return new MetricField(primaryField, primary().kind(), rankExpression, rollupRankExpression, null, 0);
    }
}
