package ai.bud.metrics;

import ai.bud.metrics.analytics.ExplainQueryCommand;
import ai.bud.metrics.clickhouse.MigrateCommand;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The service, and its own commands: {@code java -jar budmetrics.jar [COMMAND args…]}.
 * Without a command (or with {@code serve}) it runs the service; {@code --help} lists the commands. The seeder and the
 * load tools are not in this jar (tools/, target/budmetrics-tools.jar; scripts/seed.sh, bench.sh, chaos.sh).
 */
@SpringBootApplication
public class Application {

    interface Command {
        int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err);
    }

    /** A command of the jar and its line in the help. */
    record JarCommand(String summary, Command command) {
    }

    /** The jar's commands besides serve; a command is one entry here. */
    static final Map<String, JarCommand> COMMANDS = commands();

    static final Set<String> HELP = Set.of("help", "--help", "-h");

    private static Map<String, JarCommand> commands() {
        Map<String, JarCommand> commands = new LinkedHashMap<>();
        commands.put("migrate", new JarCommand("apply the ClickHouse migrations, or check them with --verify-only (migrate --help)",
                MigrateCommand::run));
        commands.put("explain-query", new JarCommand("print the SQL and parameters an analytics request body gives "
                + "(explain-query req.json, or - for stdin)", ExplainQueryCommand::run));
        return java.util.Collections.unmodifiableMap(commands);
    }

    public static void main(String[] args) {
        OptionalInt exit = command(args, System.getenv(), System.out, System.err);
        if (exit.isPresent()) {
            System.exit(exit.getAsInt());
        }
        SpringApplication.run(Application.class, args.length > 0 && "serve".equals(args[0]) ? Arrays.copyOfRange(args, 1, args.length) : args);
    }

    /**
     * Runs the command the arguments name and returns its exit status, or nothing when they ask for the service
     * (no arguments, {@code serve …}, or Spring Boot options such as {@code --server.port=…}). Help exits 0 and an unknown
     * word 2, both without starting the service or the engine.
     */
    static OptionalInt command(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            return OptionalInt.empty();
        }
        String name = args[0];
        if (HELP.contains(name) || "serve".equals(name) && args.length > 1 && HELP.contains(args[1])) {
            out.print(usage());
            return OptionalInt.of(0);
        }
        JarCommand command = COMMANDS.get(name);
        if (command != null) {
            return OptionalInt.of(command.command().run(Arrays.copyOfRange(args, 1, args.length), env, out, err));
        }
        if ("serve".equals(name) || name.startsWith("-")) {
            return OptionalInt.empty();
        }
        // a word the service does not know (seed, bench, chaos were commands here once) must not start the service
        err.println("unknown command " + name + "; the jar's commands are serve (the default), "
                + String.join(", ", new java.util.TreeSet<>(COMMANDS.keySet())) + ". The seeder and the load tools "
                + "are in target/budmetrics-tools.jar: scripts/seed.sh, scripts/bench.sh, scripts/chaos.sh");
        err.print(usage());
        return OptionalInt.of(2);
    }

    static String usage() {
        StringBuilder text = new StringBuilder("usage: java -jar budmetrics.jar [COMMAND] [ARGS…]\n\ncommands:\n");
        line(text, "serve", "run the service (the default; Spring Boot options such as --server.port=8000 may follow)");
        COMMANDS.forEach((name, command) -> line(text, name, command.summary()));
        line(text, "help", "this list (also --help, -h)");
        text.append("\nnot in this jar (target/budmetrics-tools.jar, run from a checkout beside the service):\n");
        line(text, "scripts/seed.sh", "seed: realistic traffic through the API or straight into ClickHouse (--help)");
        line(text, "scripts/bench.sh", "the benchmark: seed, then measure ingest and analytics (--help)");
        line(text, "scripts/chaos.sh", "the failure runs (--help)");
        return text.toString();
    }

    private static void line(StringBuilder text, String name, String summary) {
        text.append(String.format(java.util.Locale.ROOT, "  %-18s %s%n", name, summary));
    }
}
