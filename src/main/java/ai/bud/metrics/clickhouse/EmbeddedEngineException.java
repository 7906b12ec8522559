package ai.bud.metrics.clickhouse;

/** The embedded engine could not be started: library missing, data directory locked, connect failed. */
public final class EmbeddedEngineException extends RuntimeException {

    private final String action;

    EmbeddedEngineException(String message, String action) {
        super(message);
        this.action = action;
    }

    /** What the operator should do about it. */
    public String action() {
        return action;
    }
}
