package ai.bud.metrics.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The schema as ordered SQL files under {@code db/migrations/} (adding a migration is adding a file).
 * Every statement is idempotent ({@code IF NOT EXISTS}); {@code ${database}} stands for the configured
 * database. A file whose first line is {@code -- optional: model-inference} runs only when the gateway's
 * ModelInference table is wanted; one whose first line is {@code -- requires: <Table>} runs only where that table
 * exists when the migration's turn comes (the rollup views over the gateway's ModelInference: a later run, once the
 * table is there, creates them). With a cluster name the statements are rewritten for that cluster ({@link ClusterSchema}):
 * replicated local tables, Distributed tables under the service's names, views on the local tables, all {@code ON CLUSTER}.
 */
public final class Migrations {

    static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Logger log = LoggerFactory.getLogger(Migrations.class);
    private static final String OPTIONAL_MODEL_INFERENCE = "-- optional: model-inference";
    private static final Pattern REQUIRES = Pattern.compile("-- requires: (\\w+)");
    private static final Pattern CREATE_TABLE = Pattern.compile("(?i)CREATE\\s+TABLE\\s+IF\\s+NOT\\s+EXISTS\\s+\\$\\{database}\\.(\\w+)");

    record Migration(String name, String sql) {
        /** The table named by a first line {@code -- requires: <Table>}, or null. */
        String requiredTable() {
            Matcher matcher = REQUIRES.matcher(sql.lines().findFirst().orElse(""));
            return matcher.matches() ? matcher.group(1) : null;
        }

        List<String> statements(String database) {
            List<String> statements = new ArrayList<>();
            for (String part : sql.replace("${database}", database).split(";\\s*(\\n|$)")) {
                String statement = part.lines().filter(line -> !line.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
                if (!statement.isEmpty()) {
                    statements.add(statement);
                }
            }
            return statements;
        }
    }

    /** One statement to run, and the migration it comes from. */
    public record Step(String migration, String sql) {
    }

    static final String DATABASE_STEP = "database";
    static final String LOCATION = "classpath*:db/migrations/*.sql";

    private final String database;
    private final String cluster;
    private final List<Migration> migrations;

    private Migrations(String database, String cluster, List<Migration> migrations) {
        this.database = database;
        this.cluster = cluster;
        this.migrations = migrations;
    }

    public static Migrations load(String database, boolean includeModelInference) {
        return load(database, includeModelInference, null);
    }

    /** @param cluster the cluster to write {@code ON CLUSTER} DDL for, or null for one node */
    public static Migrations load(String database, boolean includeModelInference, String cluster) {
        return load(database, includeModelInference, cluster, List.of(LOCATION));
    }

    /** The migrations found at {@code locations} (resource patterns), run in file name order. */
    static Migrations load(String database, boolean includeModelInference, String cluster, List<String> locations) {
        if (!IDENTIFIER.matcher(database).matches()) {
            throw new MigrationException("database name must be a plain identifier: " + database);
        }
        if (cluster != null && !IDENTIFIER.matcher(cluster).matches()) {
            throw new MigrationException("cluster name must be a plain identifier: " + cluster);
        }
        try {
            PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
            List<Resource> resources = new ArrayList<>();
            for (String location : locations) {
                resources.addAll(List.of(resolver.getResources(location)));
            }
            List<Migration> migrations = new ArrayList<>();
            for (Resource resource : resources.stream().sorted(Comparator.comparing(Resource::getFilename)).toList()) {
                try (InputStream in = resource.getInputStream()) {
                    String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    if (sql.startsWith(OPTIONAL_MODEL_INFERENCE) && !includeModelInference) {
                        continue;
                    }
                    migrations.add(new Migration(resource.getFilename(), sql));
                }
            }
            return new Migrations(database, cluster, migrations);
        } catch (IOException e) {
            throw new MigrationException("cannot read migrations: " + e.getMessage(), e);
        }
    }

    public List<String> names() {
        return migrations.stream().map(Migration::name).toList();
    }

    /** The cluster the statements are written for, or null. */
    public String cluster() {
        return cluster;
    }

    /** Tables the migrations create, in order (on a cluster each sharded one's local table follows it). */
    public Set<String> expectedTables() {
        ClusterSchema schema = cluster == null ? null : new ClusterSchema(cluster, database);
        if (schema != null) {
            plan(schema);
        }
        Set<String> tables = new LinkedHashSet<>();
        for (Migration migration : migrations) {
            Matcher matcher = CREATE_TABLE.matcher(migration.sql());
            while (matcher.find()) {
                tables.add(matcher.group(1));
                if (schema != null && schema.isSharded(matcher.group(1))) {
                    tables.add(ClusterSchema.local(matcher.group(1)));
                }
            }
        }
        return tables;
    }

    /**
     * Every statement {@link #apply} runs, in order, the database's creation first; on a cluster, as rewritten for it. A
     * statement the cluster form cannot be written for fails here, naming its migration and its text, before anything runs.
     */
    public List<Step> plan() {
        return plan(cluster == null ? null : new ClusterSchema(cluster, database));
    }

    private List<Step> plan(ClusterSchema schema) {
        List<Step> steps = new ArrayList<>();
        steps.addAll(steps(DATABASE_STEP, List.of("CREATE DATABASE IF NOT EXISTS " + database), schema));
        for (Migration migration : migrations) {
            String required = migration.requiredTable();
            if (schema != null && required != null && !schema.isSharded(required)) {
                // a table of the gateway's (no earlier migration made it): its owner made it the cluster way
                schema.external(required);
            }
            steps.addAll(steps(migration.name(), migration.statements(database), schema));
        }
        return steps;
    }

    private static List<Step> steps(String migration, List<String> statements, ClusterSchema schema) {
        List<Step> steps = new ArrayList<>();
        for (String statement : statements) {
            try {
                for (String sql : schema == null ? List.of(statement) : schema.rewrite(statement)) {
                    steps.add(new Step(migration, sql));
                }
            } catch (IllegalArgumentException e) {
                throw new MigrationException("migration " + migration + ": no cluster form for the statement `" + head(statement) + "`: "
                        + e.getMessage());
            }
        }
        return steps;
    }

    private static String head(String statement) {
        String line = statement.replaceAll("\\s+", " ").strip();
        return line.length() > 120 ? line.substring(0, 117) + "..." : line;
    }

    public void apply(Connection connection) throws SQLException {
        List<Step> steps = plan();
        Map<String, String> required = new HashMap<>();
        for (Migration migration : migrations) {
            if (migration.requiredTable() != null) {
                required.put(migration.name(), migration.requiredTable());
            }
        }
        try (Statement statement = connection.createStatement()) {
            String skipping = null;
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                boolean firstOfMigration = i == 0 || !steps.get(i - 1).migration().equals(step.migration());
                if (firstOfMigration) {
                    // checked when the migration's turn comes: an earlier one of this run may have created the table
                    String table = required.get(step.migration());
                    skipping = table != null && !exists(statement, table) ? step.migration() : null;
                    if (skipping != null) {
                        log.info("migration {} skipped: it needs table {}.{}, which does not exist (yet)", step.migration(), database, table);
                    }
                }
                if (step.migration().equals(skipping)) {
                    continue;
                }
                try {
                    statement.execute(step.sql());
                } catch (SQLException e) {
                    throw new MigrationException("migration " + step.migration() + " failed: " + e.getMessage(), e);
                }
                boolean lastOfMigration = i + 1 == steps.size() || !steps.get(i + 1).migration().equals(step.migration());
                if (lastOfMigration && !step.migration().equals(DATABASE_STEP)) {
                    log.info("migration {} applied to database {}{}", step.migration(), database, cluster == null ? "" : " on cluster " + cluster);
                }
            }
        }
    }

    private boolean exists(Statement statement, String table) throws SQLException {
        try (ResultSet rows = statement.executeQuery("EXISTS TABLE " + database + "." + table)) {
            return rows.next() && rows.getInt(1) == 1;
        }
    }

    /** Fails naming every table the migrations create that is missing. */
    public void verify(Connection connection) throws SQLException {
        Set<String> present = new LinkedHashSet<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT name FROM system.tables WHERE database = ?")) {
            statement.setString(1, database);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    present.add(rows.getString(1));
                }
            }
        }
        List<String> missing = expectedTables().stream().filter(table -> !present.contains(table)).toList();
        if (!missing.isEmpty()) {
            throw new MigrationException("database " + database + " lacks table(s) " + String.join(", ", missing)
                    + "; run scripts/migrate.sh");
        }
        log.info("schema of database {} verified: {}", database, expectedTables());
    }
}
