package ai.bud.metrics;

import ai.bud.metrics.analytics.ExplainQueryCommand;
import ai.bud.metrics.clickhouse.MigrateCommand;
import java.io.PrintStream;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The service, and its own commands: {@code java -jar budmetrics.jar [COMMAND args…]}.
 * Without a command (or with {@code serve}) it runs the service. The seeder and the load tools are not in this jar
 * (tools/, target/budmetrics-tools.jar; scripts/seed.sh, bench.sh, chaos.sh).
 */
@SpringBootApplication
public class Application {

    interface Command {
        int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err);
    }

    /** The jar's commands; a command is one entry here. */
    static final Map<String, Command> COMMANDS = Map.of(
            "migrate", MigrateCommand::run,
            "explain-query", ExplainQueryCommand::run);

    public static void main(String[] args) {
        if (args.length > 0 && COMMANDS.containsKey(args[0])) {
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            int code = COMMANDS.get(args[0]).run(rest, System.getenv(), System.out, System.err);
            System.exit(code);
        }
        if (args.length > 0 && "serve".equals(args[0])) {
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
        } else if (args.length > 0 && !args[0].startsWith("-")) {
            // a word the service does not know (seed, bench, chaos were commands here once) must not start the service
            System.err.println("unknown command " + args[0] + "; the jar's commands are serve (the default), "
                    + String.join(", ", new java.util.TreeSet<>(COMMANDS.keySet())) + ". The seeder and the load tools "
                    + "are in target/budmetrics-tools.jar: scripts/seed.sh, scripts/bench.sh, scripts/chaos.sh");
            System.exit(2);
        }
        SpringApplication.run(Application.class, args);
    }
}
