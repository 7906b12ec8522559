package ai.bud.metrics.analytics;

import java.util.List;

/**
 * A metric as data: its fields, which one is primary (deltas, top-K), whether it reads ModelInference, how top-K
 * ranks it, and the expression that ranks a series over the whole range (usually the primary field's).
 */
public record MetricDefinition(String name, List<MetricField> fields, String primaryField, boolean needsInference,
        boolean needsSameSecond, RankOrder rankOrder, String rankExpression) {

    public MetricDefinition {
        fields = List.copyOf(fields);
        if (fields.stream().noneMatch(f -> f.name().equals(primaryField) && f.kind() != MetricField.Kind.ALWAYS_NULL)) {
            throw new IllegalArgumentException(name + ": primary field " + primaryField + " must be a computed field");
        }
    }

    public MetricField primary() {
        return fields.stream().filter(f -> f.name().equals(primaryField)).findFirst().orElseThrow();
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
        return new MetricField(primaryField, primary().kind(), rankExpression).selectExpression();
    }
}
