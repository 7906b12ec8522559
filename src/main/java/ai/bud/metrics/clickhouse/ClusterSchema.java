package ai.bud.metrics.clickhouse;

import ai.bud.metrics.clickhouse.ClickHouseLexer.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The single-node migration statements rewritten for a ClickHouse cluster ({@code migrate --cluster NAME},
 * {@code CLICKHOUSE_CLUSTER}), statement by statement, in the order the migrations run (it remembers the tables created
 * so far). What each kind becomes:
 * <ul>
 * <li>{@code CREATE TABLE db.T (…) ENGINE = XMergeTree(args) …}: a local table {@code db.T_local ON CLUSTER} with
 * {@code ReplicatedXMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', args)}, and {@code db.T}, a
 * {@code Distributed} table over it with the same columns, so the service keeps its table names. Sharding key:
 * {@code cityHash64(inference_id)} where the table has a non-Nullable {@code inference_id} (every row of one inference on
 * one shard: a duplicate meets its original there, and ModelInference joins ModelInferenceDetails shard by shard),
 * else {@code rand()} (see {@link #shardingKey});</li>
 * <li>{@code CREATE TABLE db.N (…) ENGINE = Null}: {@code ON CLUSTER}, name unchanged, on every node: it stores nothing,
 * its views run on the node where rows enter it (a view on a shard's local table, or a backfill on the node the
 * migration talks to), so it needs neither replication nor a Distributed table;</li>
 * <li>{@code CREATE MATERIALIZED VIEW db.V TO db.R AS SELECT … FROM db.T …}: the view on every node, reading the local
 * tables and writing the local target ({@code T_local}, {@code R_local}; a Null table keeps its name), so each shard
 * aggregates the rows it stores;</li>
 * <li>{@code CREATE VIEW}, {@code CREATE DATABASE}: {@code ON CLUSTER}, names unchanged;</li>
 * <li>{@code INSERT …} (a backfill): unchanged, so it runs once, through the Distributed tables, on the node the migration
 * talks to (with {@code distributed_foreground_insert}: the rows are on their shards when it returns);</li>
 * <li>{@code ALTER TABLE db.T}: index, projection, TTL and setting changes on {@code T_local ON CLUSTER}; column changes
 * on both {@code T_local} and {@code T}.</li>
 * </ul>
 * Anything else fails with the reason ({@link IllegalArgumentException}), never a guess.
 */
final class ClusterSchema {

    static final String LOCAL_SUFFIX = "_local";
    static final String REPLICA_ARGUMENTS = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";
    static final String SHARD_BY_INFERENCE = "cityHash64(inference_id)";
    static final String SHARD_ANYWHERE = "rand()";

    private static final Set<String> MERGE_TREES = Set.of("MergeTree", "ReplacingMergeTree", "SummingMergeTree", "AggregatingMergeTree",
            "CollapsingMergeTree", "VersionedCollapsingMergeTree", "GraphiteMergeTree", "CoalescingMergeTree");
    /** ALTER commands that change the stored data's layout: the local tables only. */
    private static final Set<String> LOCAL_ALTERS = Set.of("ADD INDEX", "DROP INDEX", "MATERIALIZE INDEX", "CLEAR INDEX", "ADD PROJECTION",
            "DROP PROJECTION", "MATERIALIZE PROJECTION", "CLEAR PROJECTION", "MODIFY TTL", "REMOVE TTL", "MATERIALIZE TTL", "MODIFY SETTING",
            "RESET SETTING", "ADD STATISTICS", "MATERIALIZE STATISTICS");
    /** ALTER commands that change the columns: the local tables and the Distributed table over them. */
    private static final Set<String> COLUMN_ALTERS = Set.of("ADD COLUMN", "DROP COLUMN", "MODIFY COLUMN", "RENAME COLUMN", "COMMENT COLUMN");

    private final String cluster;
    private final String database;
    private final Set<String> sharded = new LinkedHashSet<>();
    private final Set<String> nodeLocal = new LinkedHashSet<>();

    ClusterSchema(String cluster, String database) {
        if (!Migrations.IDENTIFIER.matcher(cluster).matches()) {
            throw new IllegalArgumentException("cluster name must be a plain identifier: " + cluster);
        }
        this.cluster = cluster;
        this.database = database;
    }

    static String local(String table) {
        return table + LOCAL_SUFFIX;
    }

    /**
     * Declares a table no migration creates but whose owner made it the cluster way (a Distributed {@code table} over
     * {@code <table>_local} on every node, sharded by inference_id): the gateway's ModelInference where the gateway
     * owns it, for migrations whose views read it.
     */
    void external(String table) {
        sharded.add(table);
    }

    /** Whether the statements so far made {@code table} a Distributed table over {@code <table>_local}. */
    boolean isSharded(String table) {
        return sharded.contains(table);
    }

    /** The name a view on a node uses for {@code table}: its local table, or itself for a Null table. */
    private String onNode(String table, String verb) {
        if (nodeLocal.contains(table)) {
            return table;
        }
        if (!sharded.contains(table)) {
            throw new IllegalArgumentException("the view " + verb + " " + database + "." + table
                    + ", which no earlier migration creates: a view on a shard's local tables can only use local tables");
        }
        return local(table);
    }

    /** The statements that stand for {@code statement} on the cluster; throws naming the reason when there are none. */
    List<String> rewrite(String statement) {
        Tokens t = new Tokens(statement);
        if (t.is(0, "CREATE") && t.is(1, "DATABASE")) {
            return List.of(onCluster(t, t.skipIfNotExists(2) + 1));
        }
        if (t.is(0, "CREATE") && t.is(1, "TABLE")) {
            return createTable(t);
        }
        if (t.is(0, "CREATE") && t.is(1, "MATERIALIZED") && t.is(2, "VIEW")) {
            return List.of(materializedView(t));
        }
        if (t.is(0, "CREATE") && t.is(1, "VIEW")) {
            int name = t.skipIfNotExists(2);
            t.qualified(name, database);
            return List.of(onCluster(t, name + 3));
        }
        if (t.is(0, "INSERT") && t.is(1, "INTO")) {
            return List.of(statement);
        }
        if (t.is(0, "ALTER") && t.is(1, "TABLE")) {
            return alter(t);
        }
        throw new IllegalArgumentException("no cluster form for this kind of statement (CREATE TABLE, CREATE [MATERIALIZED] VIEW, "
                + "CREATE DATABASE, INSERT and ALTER TABLE … ADD/DROP/MODIFY COLUMN, INDEX, PROJECTION, TTL, SETTING have one)");
    }

    /** The statement with {@code ON CLUSTER <cluster>} after the token before {@code at}. */
    private String onCluster(Tokens t, int at) {
        if (t.is(at, "ON")) {
            throw new IllegalArgumentException("it already says ON CLUSTER: migrations are written for one node");
        }
        return t.text.substring(0, t.end(at - 1)) + " ON CLUSTER " + cluster + t.text.substring(t.end(at - 1));
    }

    private List<String> createTable(Tokens t) {
        boolean ifNotExists = t.is(2, "IF");
        int name = t.skipIfNotExists(2);
        String table = t.qualified(name, database);
        int open = name + 3;
        if (t.is(open, "ON")) {
            throw new IllegalArgumentException("it already says ON CLUSTER: migrations are written for one node");
        }
        if (t.type(open) != Type.OPEN) {
            throw new IllegalArgumentException("only CREATE TABLE with a column list has a cluster form (not AS another table or a SELECT)");
        }
        int close = t.closing(open);
        int engine = close + 1;
        if (!t.is(engine, "ENGINE")) {
            throw new IllegalArgumentException("the table names no ENGINE after its columns");
        }
        int engineName = t.type(engine + 1) == Type.EQUALS ? engine + 2 : engine + 1;
        String engineWord = t.word(engineName);
        if (engineWord.equals("Null")) {
            nodeLocal.add(table);
            return List.of(onCluster(t, name + 3));
        }
        if (!MERGE_TREES.contains(engineWord)) {
            throw new IllegalArgumentException("engine " + engineWord + " has no Replicated form; a sharded table is of the MergeTree family"
                    + " (or Null, kept on every node)");
        }
        String arguments = "";
        int afterEngine = t.end(engineName);
        if (t.type(engineName + 1) == Type.OPEN) {
            int argumentsClose = t.closing(engineName + 1);
            arguments = t.text.substring(t.end(engineName + 1), t.start(argumentsClose)).strip();
            afterEngine = t.end(argumentsClose);
        }
        if (table.endsWith(LOCAL_SUFFIX) || sharded.contains(local(table)) || nodeLocal.contains(table)) {
            throw new IllegalArgumentException("table " + table + " clashes with the local table of another (suffix " + LOCAL_SUFFIX + ")");
        }
        String create = "CREATE TABLE " + (ifNotExists ? "IF NOT EXISTS " : "");
        String localTable = create + database + "." + local(table) + " ON CLUSTER " + cluster + "\n"
                + t.text.substring(t.start(open), t.start(engineName)) + "Replicated" + engineWord + "(" + REPLICA_ARGUMENTS
                + (arguments.isEmpty() ? "" : ", " + arguments) + ")" + t.text.substring(afterEngine);
        String distributed = create + database + "." + table + " ON CLUSTER " + cluster + " AS " + database + "." + local(table)
                + "\nENGINE = Distributed(" + cluster + ", " + database + ", " + local(table) + ", " + shardingKey(t, open, close) + ")";
        sharded.add(table);
        return List.of(localTable, distributed);
    }

    /**
     * {@code cityHash64(inference_id)} where the table has a non-Nullable {@code inference_id}: the ingest's dedup check
     * and any join on inference_id then meet every row of an inference on one shard. Other tables (rollups, dead letters)
     * get {@code rand()}: a rollup's rows are written by its view on whichever shard stored the inference, so no key of
     * the rollup's own columns would say where its rows are, and declaring one would let the server skip shards
     * ({@code optimize_skip_unused_shards}) or the final merge of a GROUP BY on that key
     * ({@code optimize_distributed_group_by_sharding_key}) on rows that are in fact spread. Reads aggregate across all
     * shards (GROUP BY with -Merge or sum), which is what a rollup read does on one node too.
     */
    private static String shardingKey(Tokens t, int open, int close) {
        for (int column = open + 1; column < close; column = t.nextAtDepth(column, close) + 1) {
            if (t.is(column, "inference_id")) {
                return t.is(column + 1, "Nullable") ? SHARD_ANYWHERE : SHARD_BY_INFERENCE;
            }
        }
        return SHARD_ANYWHERE;
    }

    private String materializedView(Tokens t) {
        int name = t.skipIfNotExists(3);
        t.qualified(name, database);
        int to = name + 3;
        if (t.is(to, "ON")) {
            throw new IllegalArgumentException("it already says ON CLUSTER: migrations are written for one node");
        }
        if (t.is(to, "REFRESH")) {
            throw new IllegalArgumentException("a refreshable materialized view has no cluster form here (it would refresh on every node)");
        }
        if (!t.is(to, "TO")) {
            throw new IllegalArgumentException("a materialized view needs TO <table> to run on local tables (an inner ENGINE is not sharded)");
        }
        String target = onNode(t.qualified(to + 1, database), "writes");
        StringBuilder sql = new StringBuilder(t.text.substring(0, t.end(name + 2))).append(" ON CLUSTER ").append(cluster)
                .append(t.text, t.end(name + 2), t.start(to + 1)).append(database).append('.').append(target);
        int copied = t.end(to + 3);
        for (int i = to + 4; i < t.size(); i++) {
            if (t.is(i, "POPULATE") || t.is(i, "ENGINE")) {
                throw new IllegalArgumentException(t.word(i) + " in a materialized view has no cluster form");
            }
            boolean qualifiedName = (t.type(i) == Type.WORD || t.type(i) == Type.QUOTED_IDENTIFIER) && t.type(i + 1) == Type.DOT
                    && database.equals(t.name(i)) && i + 2 < t.size();
            if (qualifiedName) {
                sql.append(t.text, copied, t.start(i)).append(database).append('.').append(onNode(t.name(i + 2), "reads"));
                copied = t.end(i + 2);
                i += 2;
            } else if ((t.is(i, "FROM") || t.is(i, "JOIN")) && t.type(i + 2) != Type.DOT
                    && (sharded.contains(t.name(i + 1)) || nodeLocal.contains(t.name(i + 1)))) {
                throw new IllegalArgumentException("the view reads " + t.name(i + 1) + " without its database: write " + database + "."
                        + t.name(i + 1));
            }
        }
        return sql.append(t.text, copied, t.text.length()).toString();
    }

    private List<String> alter(Tokens t) {
        String table = t.qualified(2, database);
        if (!sharded.contains(table)) {
            throw new IllegalArgumentException("ALTER of " + database + "." + table + ", which no earlier migration creates as a table");
        }
        int first = 5;
        if (t.is(first, "ON")) {
            throw new IllegalArgumentException("it already says ON CLUSTER: migrations are written for one node");
        }
        List<String> columnCommands = new ArrayList<>();
        for (int command = first; command < t.size(); command = t.nextAtDepth(command, t.size()) + 1) {
            String kind = t.word(command).toUpperCase() + " " + t.word(command + 1).toUpperCase();
            String text = t.text.substring(t.start(command), t.end(t.nextAtDepth(command, t.size()) - 1)).strip();
            if (COLUMN_ALTERS.contains(kind)) {
                columnCommands.add(text);
            } else if (!LOCAL_ALTERS.contains(kind)) {
                throw new IllegalArgumentException("ALTER command " + kind + " has no cluster form here (index, projection, TTL, setting and "
                        + "column changes have one)");
            }
        }
        List<String> statements = new ArrayList<>();
        statements.add("ALTER TABLE " + database + "." + local(table) + " ON CLUSTER " + cluster + t.text.substring(t.end(4)));
        if (!columnCommands.isEmpty()) {
            statements.add("ALTER TABLE " + database + "." + table + " ON CLUSTER " + cluster + " " + String.join(", ", columnCommands));
        }
        return statements;
    }

    /** A statement as the engine's lexer reads it (comments skipped), with positions into its text. */
    private static final class Tokens {
        final String text;
        private final List<int[]> tokens = new ArrayList<>();
        private final List<Type> types = new ArrayList<>();
        private final ClickHouseLexer lexer;

        Tokens(String text) {
            this.text = text.strip().replaceFirst(";$", "");
            this.lexer = new ClickHouseLexer(this.text);
            for (Type type = lexer.next(); type != Type.END; type = lexer.next()) {
                if (type == Type.UNTERMINATED) {
                    throw new IllegalArgumentException("a string, quoted name or comment never ends");
                }
                if (type == Type.END_OF_STATEMENT) {
                    throw new IllegalArgumentException("more than one statement");
                }
                tokens.add(new int[] {lexer.start(), lexer.end()});
                types.add(type);
            }
        }

        int size() {
            return tokens.size();
        }

        Type type(int i) {
            return i < tokens.size() ? types.get(i) : Type.END;
        }

        int start(int i) {
            return i < tokens.size() ? tokens.get(i)[0] : text.length();
        }

        int end(int i) {
            return i < tokens.size() ? tokens.get(i)[1] : text.length();
        }

        boolean is(int i, String word) {
            return type(i) == Type.WORD && text.regionMatches(true, start(i), word, 0, word.length()) && end(i) - start(i) == word.length();
        }

        String word(int i) {
            return type(i) == Type.WORD ? text.substring(start(i), end(i)) : "";
        }

        String name(int i) {
            Type type = type(i);
            return type == Type.WORD || type == Type.QUOTED_IDENTIFIER ? lexer.name(start(i), end(i)) : "";
        }

        /** The index of the name after an optional {@code IF NOT EXISTS} at {@code i}. */
        int skipIfNotExists(int i) {
            return is(i, "IF") && is(i + 1, "NOT") && is(i + 2, "EXISTS") ? i + 3 : i;
        }

        /** The table of {@code <database>.<table>} at {@code i}; anything else is refused. */
        String qualified(int i, String database) {
            if (type(i + 1) != Type.DOT || !database.equals(name(i)) || name(i + 2).isEmpty()) {
                throw new IllegalArgumentException("names must be written ${database}.<name>");
            }
            return name(i + 2);
        }

        /** The index of the parenthesis that closes the one at {@code open}. */
        int closing(int open) {
            int depth = 0;
            for (int i = open; i < tokens.size(); i++) {
                if (types.get(i) == Type.OPEN) {
                    depth++;
                } else if (types.get(i) == Type.CLOSE && --depth == 0) {
                    return i;
                }
            }
            throw new IllegalArgumentException("a parenthesis is never closed");
        }

        /** The index of the next comma at the depth of {@code from}, or {@code limit}. */
        int nextAtDepth(int from, int limit) {
            for (int i = from; i < limit; i++) {
                if (types.get(i) == Type.OPEN) {
                    i = closing(i);
                } else if (types.get(i) == Type.COMMA) {
                    return i;
                }
            }
            return limit;
        }
    }
}
