package ai.bud.metrics.seed;

import ai.bud.metrics.clickhouse.ClickHouseUnavailableException;
import ai.bud.metrics.clickhouse.EmbeddedEngineException;
import ai.bud.metrics.clickhouse.MigrationException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * {@code seed [options]}: fills the service with realistic inference traffic, through its API or straight into
 * ClickHouse (see {@link SeedOptions#USAGE} and docs/SEEDER.md). Exit 0 when everything was stored (and verified),
 * 1 when something was lost or could not be reached, 2 for bad options.
 */
public final class SeedCommand {

    private SeedCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        return run(args, env, out, err, System.console() != null);
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean terminal) {
        if (Arrays.asList(args).contains("-h") || Arrays.asList(args).contains("--help")) {
            out.println(SeedOptions.USAGE);
            return 0;
        }
        SeedOptions options;
        try {
            options = SeedOptions.parse(args, env, Instant.now(), new SecureRandom().nextLong() & Long.MAX_VALUE);
        } catch (SeedOptions.UsageException e) {
            err.println("seed: " + e.getMessage());
            err.println(SeedOptions.USAGE);
            return 2;
        }
        ClickHouseTarget target = null;
        try {
            if (options.needsClickHouse()) {
                target = ClickHouseTarget.open(options, env, err);
            }
            Seeder.Report report = new Seeder(options, target, env, out, err, terminal).run();
            for (String problem : report.problems()) {
                err.println("seed: " + problem);
            }
            out.printf(Locale.ROOT, "sent %,d, inserted %,d, duplicates %,d, failed %,d; ModelInference rows %,d; %.1f s, %,.0f records/s%n",
                    report.sent(), report.inserted(), report.duplicates(), report.failed(), report.modelInferenceInserted(),
                    report.seconds(), report.rate());
            if (!options.seedGiven()) {
                out.println("repeat this data with --seed " + options.seed());
            }
            if (!report.verified()) {
                err.println("seed: verification failed: ClickHouse does not hold what was reported inserted");
            }
            return report.ok() ? 0 : 1;
        } catch (EmbeddedEngineException e) {
            err.println("seed: " + e.getMessage() + "; " + e.action()
                    + " (a running service's engine is reachable with --clickhouse-url http://127.0.0.1:8123 or CLICKHOUSE_HOST=127.0.0.1)");
        } catch (ClickHouseUnavailableException e) {
            err.println("seed: " + e.getMessage() + (options.mode() == SeedOptions.Mode.API
                    ? " (ModelInference rows and --verify need ClickHouse: point --clickhouse-url at it, or use --no-model-inference)"
                    : ""));
        } catch (SeedException | MigrationException e) {
            err.println("seed: " + e.getMessage());
        } catch (RuntimeException e) {
            err.println("seed: unexpected failure: " + e);
        } finally {
            if (target != null) {
                target.close();
            }
        }
        return 1;
    }
}
