package ai.bud.metrics.analytics;

/** Which end of a metric is "top": lower is better for times, higher for everything else. */
public enum RankOrder {
    ASCENDING("ASC"),
    DESCENDING("DESC");

    private final String sql;

    RankOrder(String sql) {
        this.sql = sql;
    }

    String sql() {
        return sql;
    }
}
