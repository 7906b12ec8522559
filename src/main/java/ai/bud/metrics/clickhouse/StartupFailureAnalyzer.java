package ai.bud.metrics.clickhouse;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Start-up failures of the storage layer as one clear message instead of a stack trace. */
final class StartupFailureAnalyzer extends AbstractFailureAnalyzer<RuntimeException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RuntimeException cause) {
        Throwable error = rootFailure;
        while (error != null) {
            if (error instanceof EmbeddedEngineException engine) {
                return new FailureAnalysis(engine.getMessage(), engine.action(), engine);
            }
            if (error instanceof ClickHouseUnavailableException unavailable) {
                return new FailureAnalysis(unavailable.getMessage(),
                        "check CLICKHOUSE_HOST / CLICKHOUSE_PORT, or unset CLICKHOUSE_HOST to use the embedded engine", unavailable);
            }
            if (error instanceof MigrationException migration) {
                return new FailureAnalysis(migration.getMessage(), "run scripts/migrate.sh and check its output", migration);
            }
            error = error.getCause();
        }
        return null;
    }
}
