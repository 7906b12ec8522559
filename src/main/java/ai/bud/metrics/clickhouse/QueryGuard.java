package ai.bud.metrics.clickhouse;

import ai.bud.metrics.clickhouse.ClickHouseLexer.Type;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What client SQL may do on the embedded engine's port: no more than the engine's own data. The engine's user lacks
 * the grants to reach files, URLs and other servers ({@link EngineUserConfig}); this guard refuses, before the
 * engine sees them, what those grants do not cover and what must not reach a shared connection:
 * <ul>
 * <li>calls of table functions that reach outside the engine — every one the engine lists except an allowlist of
 * ones that only read its own tables or generate data — and of {@code file()} and {@code disk()};</li>
 * <li>table and database engines that do ({@code ENGINE = File | URL | Executable | EmbeddedRocksDB | …}): all but an
 * allowlist;</li>
 * <li>{@code INTO OUTFILE} and {@code FROM INFILE} (the facade itself uses {@code FROM INFILE} for request bodies,
 * outside this check), {@code ATTACH … FROM '<path>'}, and {@code format()} with the Values format, whose data may
 * call functions;</li>
 * <li>more than one statement per request (as on a server); and on a read-only request (HTTP GET, as on a server),
 * anything but a query that reads.</li>
 * </ul>
 * It reads the statement with the engine's lexing rules ({@link ClickHouseLexer}), so case, whitespace, comments and
 * string literals are seen as the engine sees them: {@code FiLe}, a comment and {@code (} make a call, {@code 'file('}
 * is text. One pass over the text, no allocation per token: microseconds for the service's own statements.
 */
final class QueryGuard {

    /** Table functions that read only the engine's own tables or generate data. */
    static final Set<String> SAFE_TABLE_FUNCTIONS = Set.of("sqlstandardvalues", "dictionary", "format", "fuzzjson", "fuzzquery",
            "generaterandom", "generateseries", "generate_series", "input", "loop", "merge", "mergetreeanalyzeindexes",
            "mergetreeanalyzeindexesuuid", "mergetreeindex", "mergetreeprojection", "mergetreetextindex", "null", "numbers",
            "numbers_mt", "primes", "timeseriesdata", "timeseriesmetrics", "timeseriesselector", "timeseriestags", "values", "view",
            "viewexplain", "viewifpermitted", "zeros", "zeros_mt");

    /** Table and database engines that keep their data in the engine's data directory, or hold none. */
    static final Set<String> SAFE_ENGINES = Set.of("mergetree", "replacingmergetree", "summingmergetree", "aggregatingmergetree",
            "collapsingmergetree", "versionedcollapsingmergetree", "graphitemergetree", "coalescingmergetree", "memory", "log",
            "tinylog", "stripelog", "null", "buffer", "set", "join", "merge", "view", "materializedview", "windowview",
            "dictionary", "generaterandom", "fuzzjson", "fuzzquery", "loop", "timeseries", "alias", "atomic", "ordinary");

    /** Refused whatever the engine lists: the names this port must never run, also as plain functions. */
    static final Set<String> ALWAYS_DENIED_CALLS = Set.of("file", "disk", "url", "urlcluster", "filecluster", "filesystem", "remote",
            "remotesecure", "cluster", "clusterallreplicas", "s3", "s3cluster", "gcs", "oss", "cosn", "hdfs", "hdfscluster",
            "azureblobstorage", "azureblobstoragecluster", "executable", "mysql", "postgresql", "jdbc", "odbc", "sqlite", "mongodb",
            "redis", "hive", "iceberg", "deltalake", "hudi", "paimon", "ytsaurus", "arrowflight", "arrowstream", "python");

    static final Set<String> ALWAYS_DENIED_ENGINES = Set.of("file", "url", "s3", "s3queue", "hdfs", "azureblobstorage", "azurequeue",
            "executable", "executablepool", "embeddedrocksdb", "keepermap", "distributed", "mysql", "postgresql",
            "materializedpostgresql", "mongodb", "redis", "sqlite", "jdbc", "odbc", "kafka", "rabbitmq", "nats", "filelog",
            "filesystem", "backup", "replicated", "hive", "iceberg", "deltalake", "hudi", "datalakecatalog", "ytsaurus");

    /** What a read-only request may run. */
    private static final Set<String> READ_KINDS = Set.of("SELECT", "WITH", "SHOW", "DESC", "DESCRIBE", "EXISTS", "EXPLAIN", "SET", "USE");

    private final Set<String> deniedCalls;
    private final Set<String> deniedEngines;

    private QueryGuard(Set<String> deniedCalls, Set<String> deniedEngines) {
        this.deniedCalls = Set.copyOf(deniedCalls);
        this.deniedEngines = Set.copyOf(deniedEngines);
    }

    /**
     * The guard for an engine that lists these table functions and engines: all of them are refused but the
     * allowlisted ones, so what a newer engine adds is refused until someone has looked at it.
     */
    static QueryGuard forEngine(Set<String> tableFunctions, Set<String> engines) {
        Set<String> calls = new HashSet<>();
        tableFunctions.forEach(name -> calls.add(name.toLowerCase(Locale.ROOT)));
        calls.removeAll(SAFE_TABLE_FUNCTIONS);
        calls.addAll(ALWAYS_DENIED_CALLS);
        Set<String> denied = new HashSet<>();
        engines.forEach(name -> denied.add(name.toLowerCase(Locale.ROOT)));
        denied.removeAll(SAFE_ENGINES);
        denied.addAll(ALWAYS_DENIED_ENGINES);
        return new QueryGuard(calls, denied);
    }

    /** What the guard learnt about an accepted statement. */
    record Statement(String kind, String format, int formatStart, int dataStart) {

        /** {@code SET} or {@code USE}: on a sessionless request it changes nothing. */
        boolean sessionOnly() {
            return "SET".equals(kind) || "USE".equals(kind);
        }

        /**
         * The statement's text before its {@code FORMAT} clause, when it is an INSERT that ends with one (its data comes
         * apart), else null. It ends where the FORMAT keyword began, so a line comment before it is still closed.
         */
        String insertBeforeFormat(String sql) {
            return "INSERT".equals(kind) && format != null && sql.substring(dataStart).replace(";", "").isBlank()
                    ? sql.substring(0, formatStart) : null;
        }
    }

    /** Checks one request's SQL; throws {@link EngineQueryException} when it must not run. */
    Statement check(String sql, boolean readOnly) {
        Scan scan = new Scan(sql, false);
        scan.run();
        if (readOnly && scan.kind != null && !READ_KINDS.contains(scan.kind)) {
            throw EngineQueryException.of(164, "READONLY", "Cannot execute query in readonly mode. For queries over HTTP, method GET"
                    + " implies readonly. You should use method POST for modifying queries");
        }
        return new Statement(scan.kind, scan.format, scan.formatStart, scan.dataStart);
    }

    /** Checks data in the Values format, whose rows may be expressions with function calls. */
    void checkValuesData(String data) {
        new Scan(data, true).run();
    }

    private final class Scan {
        private final ClickHouseLexer lexer;
        private final boolean valuesData;
        private String kind;
        private String format;
        private int formatStart = -1;
        private int dataStart = -1;
        private int depth;
        private boolean ended;
        private boolean insertSelect;
        private boolean attach;
        private FormatArgument formatArgument = FormatArgument.NONE;
        /** The current token as one of the few keywords the checks look for. */
        private Keyword keyword = Keyword.NONE;
        // the previous significant token, and what the one before it was
        private Type prevType;
        private int prevStart;
        private int prevEnd;
        private boolean prevEscaped;
        private boolean prevEngine;
        private boolean prevFormat;
        private boolean prevFrom;
        private boolean prevIntoTableOrFunction;
        private Type prev2Type;
        private boolean prev2Engine;
        private boolean prev2IntoTableOrFunction;

        Scan(String text, boolean valuesData) {
            this.lexer = new ClickHouseLexer(text);
            this.valuesData = valuesData;
        }

        void run() {
            for (Type type = lexer.next(); type != Type.END; type = lexer.next()) {
                if (type == Type.UNTERMINATED) {
                    throw EngineQueryException.of(62, "SYNTAX_ERROR", "Syntax error: a string, quoted identifier or comment is not closed");
                }
                if (type == Type.END_OF_STATEMENT) {
                    ended = !valuesData;
                    continue;
                }
                if (ended) {
                    throw EngineQueryException.of(62, "SYNTAX_ERROR", "Syntax error (Multi-statements are not allowed): failed at position "
                            + (lexer.start() + 1));
                }
                if (step(type)) {
                    return; // the rest is an INSERT's data, which the engine does not read as SQL
                }
                remember(type);
            }
        }

        /** Looks at one significant token; true when the rest of the text is data. */
        private boolean step(Type type) {
            keyword = Keyword.NONE;
            if (kind == null && !valuesData && type != Type.OPEN) {
                kind = type == Type.WORD ? lexer.name().toUpperCase(Locale.ROOT) : "";
            }
            checkFormatArgument(type);
            switch (type) {
                case WORD -> {
                    keyword = Keyword.of(lexer);
                    if (keyword == Keyword.INFILE || keyword == Keyword.OUTFILE) {
                        throw denied("INTO OUTFILE and FROM INFILE are not allowed on the embedded engine's port: they read or write"
                                + " files outside the engine's data");
                    }
                    insertSelect |= keyword == Keyword.SELECT || keyword == Keyword.WITH;
                    attach |= keyword == Keyword.ATTACH;
                    return named();
                }
                case QUOTED_IDENTIFIER -> {
                    return named();
                }
                case STRING -> {
                    if (attach && prevFrom) {
                        throw denied("ATTACH … FROM '<path>' is not allowed on the embedded engine's port: it reads data outside the"
                                + " engine's data directory");
                    }
                }
                case OPEN -> {
                    depth++;
                    if (prevType == Type.WORD || prevType == Type.QUOTED_IDENTIFIER) {
                        checkCall();
                    }
                }
                case CLOSE -> depth--;
                default -> {
                }
            }
            return false;
        }

        /** A word or quoted identifier: an engine's name after ENGINE [=], or an INSERT's format name after FORMAT. */
        private boolean named() {
            boolean engineName = prevEngine || prevType == Type.EQUALS && prev2Engine;
            if (engineName && (lexer.hasEscape() || deniedEngines.contains(lexer.name().toLowerCase(Locale.ROOT)))) {
                throw denied("ENGINE = " + lexer.name() + " is not allowed on the embedded engine's port: it reads or writes outside"
                        + " the engine's data, reaches the network or runs programs");
            }
            // a quoted format name is left to the engine, with the rest of the text still under the check
            if ("INSERT".equals(kind) && depth == 0 && prevFormat && !prev2IntoTableOrFunction && prev2Type != Type.DOT
                    && !insertSelect && format == null && lexer.type() == Type.WORD) {
                format = lexer.name();
                formatStart = prevStart;
                dataStart = lexer.end();
                // Values data may call functions (the engine reads its rows as expressions): it stays under the check
                return !format.equalsIgnoreCase("values");
            }
            return false;
        }

        private void checkCall() {
            String name = lexer.name(prevStart, prevEnd);
            if (prevEscaped || deniedCalls.contains(name.toLowerCase(Locale.ROOT))) {
                throw denied(name + "() is not allowed on the embedded engine's port: it reads or writes outside the engine's data,"
                        + " reaches the network or runs programs");
            }
            if (name.equalsIgnoreCase("format")) {
                formatArgument = FormatArgument.FIRST;
            }
        }

        /**
         * format()'s first argument is its format (the table function) or its pattern (the string function): only a plain
         * string literal, so that no alias, expression or escape can make it 'Values'.
         */
        private void checkFormatArgument(Type type) {
            boolean plain = switch (formatArgument) {
                case NONE -> true;
                case FIRST -> {
                    String value = lexer.plainString();
                    formatArgument = FormatArgument.AFTER_FIRST;
                    yield value != null && !value.equalsIgnoreCase("values");
                }
                case AFTER_FIRST -> {
                    formatArgument = FormatArgument.NONE;
                    yield type == Type.COMMA || type == Type.CLOSE;
                }
            };
            if (!plain) {
                throw denied("format() is allowed on the embedded engine's port only with a plain string literal other than 'Values'"
                        + " as its first argument (Values data may call functions)");
            }
        }

        private void remember(Type type) {
            prev2Type = prevType;
            prev2Engine = prevEngine;
            prev2IntoTableOrFunction = prevIntoTableOrFunction;
            prevType = type;
            prevStart = lexer.start();
            prevEnd = lexer.end();
            // a quoted name spelt with an escape could spell a denied one: never a function name on this port
            prevEscaped = lexer.hasEscape();
            prevEngine = keyword == Keyword.ENGINE;
            prevFormat = keyword == Keyword.FORMAT;
            prevFrom = keyword == Keyword.FROM;
            prevIntoTableOrFunction = keyword == Keyword.INTO || keyword == Keyword.TABLE || keyword == Keyword.FUNCTION;
        }
    }

    private enum FormatArgument { NONE, FIRST, AFTER_FIRST }

    /** The words the checks look for, found with one length test and a few comparisons per word. */
    private enum Keyword {
        NONE, WITH, FROM, INTO, TABLE, INFILE, SELECT, ATTACH, ENGINE, FORMAT, OUTFILE, FUNCTION;

        private static final Keyword[][] BY_LENGTH = new Keyword[9][];

        static {
            for (int length = 0; length < BY_LENGTH.length; length++) {
                int l = length;
                BY_LENGTH[length] = Arrays.stream(values()).filter(k -> k != NONE && k.name().length() == l)
                        .toArray(Keyword[]::new);
            }
        }

        static Keyword of(ClickHouseLexer lexer) {
            int length = lexer.end() - lexer.start();
            if (length < BY_LENGTH.length) {
                for (Keyword keyword : BY_LENGTH[length]) {
                    if (lexer.is(keyword.name())) {
                        return keyword;
                    }
                }
            }
            return NONE;
        }
    }

    private static EngineQueryException denied(String message) {
        return EngineQueryException.of(497, "ACCESS_DENIED", message);
    }
}
