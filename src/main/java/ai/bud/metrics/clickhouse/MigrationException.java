package ai.bud.metrics.clickhouse;

/** A migration failed, or verification found the schema incomplete. */
public final class MigrationException extends RuntimeException {

    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
