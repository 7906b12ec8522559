package ai.bud.metrics.analytics;

import java.io.PrintStream;
import java.util.Map;

/** {@code explain-query request.json}: placeholder until the query builder lands. */
public final class ExplainQueryCommand {

    private ExplainQueryCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("explain-query: not available yet");
        return 2;
    }
}
