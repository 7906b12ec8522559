package ai.bud.metrics.analytics;

import ai.bud.metrics.web.ApiException;
import ai.bud.metrics.web.FieldError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * {@code explain-query request.json}: validates an analytics request body and prints the SQL the service would run
 * and its bound parameters, without connecting to ClickHouse. {@code -} reads the body from standard input.
 */
public final class ExplainQueryCommand {

    private ExplainQueryCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length != 1 || args[0].equals("--help") || args[0].equals("-h")) {
            err.println("usage: explain-query <request.json | ->");
            err.println("  prints the SQL and bound parameters for an analytics request body, without running it");
            return args.length == 1 ? 0 : 2;
        }
        byte[] body;
        try {
            body = args[0].equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(args[0]));
        } catch (IOException e) {
            err.println("explain-query: cannot read " + args[0] + ": " + e.getMessage());
            return 2;
        }
        Clock clock = Clock.systemUTC();
        try {
            AnalyticsRequest request = new AnalyticsRequestParser(clock).parse(body);
            SqlQuery query = new QueryBuilder(clock).build(request);
            out.println("-- SQL");
            out.println(query.sql());
            out.println("-- parameters (in order of the ? placeholders)");
            List<Object> params = query.params();
            for (int i = 0; i < params.size(); i++) {
                out.println((i + 1) + ": " + params.get(i));
            }
            return 0;
        } catch (ApiException e) {
            err.println("explain-query: " + e.status() + " " + e.getMessage());
            for (FieldError error : e.errors()) {
                err.println("  " + error.field() + ": " + error.message());
            }
            return 1;
        }
    }
}
