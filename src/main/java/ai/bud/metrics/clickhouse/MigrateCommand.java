package ai.bud.metrics.clickhouse;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code migrate [--max-retries N] [--retry-delay SECONDS] [--verify-only] [--include-model-inference] [--cluster NAME] [--print]}:
 * waits for ClickHouse, creates the database and tables (idempotent), then verifies them; with a cluster
 * ({@code --cluster} or {@code CLICKHOUSE_CLUSTER}) as {@code ON CLUSTER} DDL ({@link ClusterSchema}).
 * Connection settings come from the same environment variables the service reads.
 */
public final class MigrateCommand {

    static final String USAGE = """
            usage: migrate [--max-retries N] [--retry-delay SECONDS] [--verify-only] [--include-model-inference] [--cluster NAME] [--print]
              --max-retries N          extra attempts while ClickHouse does not answer (default 10)
              --retry-delay SECONDS    pause between attempts (default 2)
              --verify-only            change nothing; fail when a table is missing
              --include-model-inference  also create the gateway's ModelInference table
              --cluster NAME           ON CLUSTER DDL for that cluster: replicated local tables, Distributed tables under the
                                       service's names, views on the local tables (default CLICKHOUSE_CLUSTER; docs/SCALING.md)
              --print                  print the statements that would run, connect to nothing
            ClickHouse: CLICKHOUSE_HOST/PORT/DB_NAME/USER/PASSWORD, or the embedded engine when CLICKHOUSE_HOST is unset.""";

    private MigrateCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Map<String, String> environment = new HashMap<>(env);
        Integer retries = null;
        Duration delay = null;
        boolean verifyOnly = false;
        boolean includeModelInference = false;
        boolean print = false;
        ClickHouseProperties properties;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--max-retries" -> retries = Integer.parseInt(value(args, ++i, "--max-retries"));
                    case "--retry-delay" -> delay = Duration.ofMillis((long) (Double.parseDouble(value(args, ++i, "--retry-delay")) * 1000));
                    case "--verify-only" -> verifyOnly = true;
                    case "--include-model-inference" -> includeModelInference = true;
                    case "--cluster" -> environment.put("CLICKHOUSE_CLUSTER", value(args, ++i, "--cluster"));
                    case "--print" -> print = true;
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (retries != null && retries < 0 || delay != null && delay.isNegative()) {
                throw new IllegalArgumentException("--max-retries and --retry-delay must not be negative");
            }
            if (print) {
                return print(environment, includeModelInference, out, err);
            }
            properties = ClickHouseProperties.fromEnvironment(environment);
        } catch (IllegalArgumentException e) {
            err.println("migrate: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        properties = properties.withRetries(retries == null ? properties.maxRetries() : retries,
                delay == null ? properties.retryDelay() : delay);
        try (ClickHouseConnector connector = ClickHouseConnector.start(properties.withEmbeddedPort(0))) {
            connector.awaitReachable();
            connector.migrate(includeModelInference, verifyOnly);
            Migrations migrations = Migrations.load(properties.database(), includeModelInference, properties.cluster().name());
            out.println((verifyOnly ? "verified" : "migrated") + " database " + properties.database() + " at "
                    + connector.host() + ":" + connector.port()
                    + (migrations.cluster() == null ? "" : " on cluster " + migrations.cluster()) + ": "
                    + String.join(", ", migrations.expectedTables()));
            return 0;
        } catch (EmbeddedEngineException e) {
            err.println("migrate: " + e.getMessage() + "; " + e.action());
        } catch (ClickHouseUnavailableException | MigrationException e) {
            err.println("migrate: " + e.getMessage());
        }
        return 1;
    }

    /** The statements, each ended by {@code ;} and headed by its migration: what a DBA reviews before running them. */
    private static int print(Map<String, String> environment, boolean includeModelInference, PrintStream out, PrintStream err) {
        String database = Optional.ofNullable(environment.get("CLICKHOUSE_DB_NAME")).filter(name -> !name.isBlank()).orElse("bud");
        String cluster = Optional.ofNullable(environment.get("CLICKHOUSE_CLUSTER")).filter(name -> !name.isBlank()).orElse(null);
        try {
            String migration = null;
            for (Migrations.Step step : Migrations.load(database, includeModelInference, cluster).plan()) {
                if (!step.migration().equals(migration)) {
                    migration = step.migration();
                    out.println("-- " + migration);
                }
                out.println(step.sql() + ";");
                out.println();
            }
            return 0;
        } catch (MigrationException e) {
            err.println("migrate: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }
}
