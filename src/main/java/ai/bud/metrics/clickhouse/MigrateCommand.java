package ai.bud.metrics.clickhouse;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/**
 * {@code migrate [--max-retries N] [--retry-delay SECONDS] [--verify-only] [--include-model-inference]}:
 * waits for ClickHouse, creates the database and tables (idempotent), then verifies them.
 * Connection settings come from the same environment variables the service reads.
 */
public final class MigrateCommand {

    static final String USAGE = """
            usage: migrate [--max-retries N] [--retry-delay SECONDS] [--verify-only] [--include-model-inference]
              --max-retries N          extra attempts while ClickHouse does not answer (default 10)
              --retry-delay SECONDS    pause between attempts (default 2)
              --verify-only            change nothing; fail when a table is missing
              --include-model-inference  also create the gateway's ModelInference table
            ClickHouse: CLICKHOUSE_HOST/PORT/DB_NAME/USER/PASSWORD, or the embedded engine when CLICKHOUSE_HOST is unset.""";

    private MigrateCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ClickHouseProperties properties = ClickHouseProperties.fromEnvironment(env);
        int retries = properties.maxRetries();
        Duration delay = properties.retryDelay();
        boolean verifyOnly = false;
        boolean includeModelInference = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--max-retries" -> retries = Integer.parseInt(value(args, ++i, "--max-retries"));
                    case "--retry-delay" -> delay = Duration.ofMillis((long) (Double.parseDouble(value(args, ++i, "--retry-delay")) * 1000));
                    case "--verify-only" -> verifyOnly = true;
                    case "--include-model-inference" -> includeModelInference = true;
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (retries < 0 || delay.isNegative()) {
                throw new IllegalArgumentException("--max-retries and --retry-delay must not be negative");
            }
        } catch (IllegalArgumentException e) {
            err.println("migrate: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try (ClickHouseConnector connector = ClickHouseConnector.start(properties.withRetries(retries, delay).withEmbeddedPort(0))) {
            connector.awaitReachable();
            connector.migrate(includeModelInference, verifyOnly);
            Migrations migrations = Migrations.load(properties.database(), includeModelInference);
            out.println((verifyOnly ? "verified" : "migrated") + " database " + properties.database() + " at "
                    + connector.host() + ":" + connector.port() + ": " + String.join(", ", migrations.expectedTables()));
            return 0;
        } catch (EmbeddedEngineException e) {
            err.println("migrate: " + e.getMessage() + "; " + e.action());
        } catch (ClickHouseUnavailableException | MigrationException e) {
            err.println("migrate: " + e.getMessage());
        }
        return 1;
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }
}
