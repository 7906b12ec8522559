package ai.bud.metrics.clickhouse;

/** ClickHouse did not answer within the configured retries. */
public final class ClickHouseUnavailableException extends RuntimeException {

    public ClickHouseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
