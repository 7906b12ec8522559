package ai.bud.metrics.tools;

import ai.bud.metrics.bench.BenchCommand;
import ai.bud.metrics.bench.ChaosCommand;
import ai.bud.metrics.bench.OverloadCommand;
import ai.bud.metrics.seed.SeedCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tools outside the service: {@code seed}, {@code bench}, {@code chaos}. They live in target/budmetrics-tools.jar
 * and run with the service jar (its classes and dependencies) on the classpath, as scripts/lib.sh's {@code tools_cmd}
 * starts them:
 * <pre>
 * java -cp target/budmetrics.jar -Dloader.path=target/budmetrics-tools.jar -Dloader.main=ai.bud.metrics.tools.Tools \
 *     org.springframework.boot.loader.launch.PropertiesLauncher seed --help
 * </pre>
 */
public final class Tools {

    interface Command {
        int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err);
    }

    /** The tools; a tool is one entry here. */
    static final Map<String, Command> COMMANDS = Map.of(
            "seed", SeedCommand::run,
            "bench", BenchCommand::run,
            "chaos", ChaosCommand::run,
            "overload", OverloadCommand::run);

    private Tools() {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run(args, System.getenv(), System.out, System.err);
        } catch (RuntimeException e) {
            // a tool's threads (senders, clients) may still be running: without exit the JVM, and scripts/bench.sh
            // with the service it started, would wait for them for ever
            e.printStackTrace(System.err);
            status = 1;
        }
        System.exit(status);
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Command command = args.length == 0 ? null : COMMANDS.get(args[0]);
        if (command == null) {
            err.println((args.length == 0 ? "no tool given" : "unknown tool " + args[0]) + "; the tools are "
                    + String.join(", ", new TreeSet<>(COMMANDS.keySet())) + " (each with --help)");
            return 2;
        }
        return command.run(Arrays.copyOfRange(args, 1, args.length), env, out, err);
    }
}
