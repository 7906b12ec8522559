package ai.bud.metrics.analytics;

/** Which rows answered a request: the rollup's 15-minute grains, raw rows, or both (raw rows for the range's edges). */
public enum AnswerSource {
    ROLLUP("rollup"),
    RAW("raw"),
    MIXED("mixed");

    /** The response header that names it (SPEC's wire format is unchanged: the body is the same whatever answered). */
    public static final String HEADER = "X-Budmetrics-Source";

    private final String label;

    AnswerSource(String label) {
        this.label = label;
    }

    /** {@code rollup}, {@code raw} or {@code mixed}: the header's value. */
    public String label() {
        return label;
    }
}
