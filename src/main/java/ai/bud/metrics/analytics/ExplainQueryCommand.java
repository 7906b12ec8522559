package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.ClickHouseProperties;
import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.FieldError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * {@code explain-query request.json}: validates an analytics request body and prints the statement the service sends
 * (its {@code SETTINGS} as configured by {@code CLICKHOUSE_QUERY_TIMEOUT_SECONDS} and {@code CLICKHOUSE_HOST}) and the
 * query parameters sent beside it, without connecting to ClickHouse. {@code -} reads the body from standard input.
 */
public final class ExplainQueryCommand {

    private ExplainQueryCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length != 1 || args[0].equals("--help") || args[0].equals("-h")) {
            err.println("usage: explain-query <request.json | ->");
            err.println("  prints the statement and its query parameters for an analytics request body, without running it");
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
            SqlQuery query = builder(clock, env).build(request);
            out.println("-- answered from: " + query.source().label());
            out.println("-- SQL");
            out.println(query.sql());
            out.println("-- parameters (sent as param_<name>)");
            out.print(query.describeParams(""));
            return 0;
        } catch (ApiException e) {
            err.println("explain-query: " + e.status() + " " + e.getMessage());
            for (FieldError error : e.errors()) {
                err.println("  " + error.field() + ": " + error.message());
            }
            return 1;
        }
    }

    /**
     * The builder as the service configures it from the same environment: the query timeout, and materialized CTEs on
     * the embedded engine (the embedded/external choice as clickhouse/ reads it), the rollups unless
     * {@code ANALYTICS_ROLLUPS=false}.
     */
    static QueryBuilder builder(Clock clock, Map<String, String> env) {
        ClickHouseProperties clickhouse = ClickHouseProperties.fromEnvironment(env);
        long seconds = Math.max(0, (clickhouse.queryTimeout().toMillis() + 999) / 1000);
        boolean rollups = !"false".equalsIgnoreCase(env.getOrDefault("ANALYTICS_ROLLUPS", "true").trim());
        return new QueryBuilder(clock, seconds, clickhouse.isEmbedded(), rollups, !clickhouse.cluster().enabled());
    }
}
