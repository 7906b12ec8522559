package ai.bud.metrics.analytics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A statement with {@code {name:Type}} placeholders and the value bound to each name, in the order they were bound.
 * The values travel beside the SQL ({@code param_<name>}); the text holds only identifiers from the registries.
 * {@code source} says which rows it reads (the rollup, raw rows or both).
 */
public record SqlQuery(String sql, Map<String, QueryParameter> params, AnswerSource source) {

    public SqlQuery {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** A statement over raw rows. */
    public SqlQuery(String sql, Map<String, QueryParameter> params) {
        this(sql, params, AnswerSource.RAW);
    }

    /** The values as the engine's HTTP interface takes them: name → text. */
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        params.forEach((name, parameter) -> values.put(name, parameter.value()));
        return values;
    }

    /** One line per parameter, {@code {name:Type} = value}, in binding order (explain-query, golden files). */
    public String describeParams(String linePrefix) {
        StringBuilder out = new StringBuilder();
        params.forEach((name, parameter) -> out.append(linePrefix).append(parameter.placeholder(name)).append(" = ")
                .append(parameter.value()).append('\n'));
        return out.toString();
    }
}
