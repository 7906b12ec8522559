package ai.bud.metrics.seed;

import java.io.PrintStream;
import java.util.Map;

/** {@code seed …}: placeholder until the seeder lands. */
public final class SeedCommand {

    private SeedCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("seed: not available yet");
        return 2;
    }
}
