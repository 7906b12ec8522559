package ai.bud.metrics;

import ai.bud.metrics.analytics.ExplainQueryCommand;
import ai.bud.metrics.bench.BenchCommand;
import ai.bud.metrics.bench.ChaosCommand;
import ai.bud.metrics.clickhouse.MigrateCommand;
import ai.bud.metrics.seed.SeedCommand;
import java.io.PrintStream;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The service, and its command-line tools: {@code java -jar budmetrics.jar [COMMAND args…]}.
 * Without a command (or with {@code serve}) it runs the service.
 */
@SpringBootApplication
public class Application {

    interface Command {
        int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err);
    }

    /** The jar's commands; a tool is one entry here. */
    static final Map<String, Command> COMMANDS = Map.of(
            "migrate", MigrateCommand::run,
            "seed", SeedCommand::run,
            "explain-query", ExplainQueryCommand::run,
            "bench", BenchCommand::run,
            "chaos", ChaosCommand::run);

    public static void main(String[] args) {
        if (args.length > 0 && COMMANDS.containsKey(args[0])) {
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            int code = COMMANDS.get(args[0]).run(rest, System.getenv(), System.out, System.err);
            System.exit(code);
        }
        if (args.length > 0 && "serve".equals(args[0])) {
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        }
        SpringApplication.run(Application.class, args);
    }
}
