package ai.bud.metrics.analytics;

import java.util.List;

/** SQL text with {@code ?} placeholders and the values bound to them, in order. */
public record SqlQuery(String sql, List<Object> params) {

    public SqlQuery {
        params = List.copyOf(params);
    }
}
