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
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
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
 * exists when the migrations are applied (the rollup views over the gateway's ModelInference: a later run, once the
 * table is there, creates them).
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

    private final String database;
    private final List<Migration> migrations;

    private Migrations(String database, List<Migration> migrations) {
        this.database = database;
        this.migrations = migrations;
    }

    public static Migrations load(String database, boolean includeModelInference) {
        if (!IDENTIFIER.matcher(database).matches()) {
            throw new MigrationException("database name must be a plain identifier: " + database);
        }
        try {
            Resource[] resources = new PathMatchingResourcePatternResolver().getResources("classpath*:db/migrations/*.sql");
            List<Migration> migrations = new ArrayList<>();
            for (Resource resource : Arrays.stream(resources).sorted(Comparator.comparing(Resource::getFilename)).toList()) {
                try (InputStream in = resource.getInputStream()) {
                    String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    if (sql.startsWith(OPTIONAL_MODEL_INFERENCE) && !includeModelInference) {
                        continue;
                    }
                    migrations.add(new Migration(resource.getFilename(), sql));
                }
            }
            return new Migrations(database, migrations);
        } catch (IOException e) {
            throw new MigrationException("cannot read migrations: " + e.getMessage(), e);
        }
    }

    public List<String> names() {
        return migrations.stream().map(Migration::name).toList();
    }

    /** Tables the migrations create, in order. */
    public Set<String> expectedTables() {
        Set<String> tables = new LinkedHashSet<>();
        for (Migration migration : migrations) {
            Matcher matcher = CREATE_TABLE.matcher(migration.sql());
            while (matcher.find()) {
                tables.add(matcher.group(1));
            }
        }
        return tables;
    }

    public void apply(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE IF NOT EXISTS " + database);
            for (Migration migration : migrations) {
                String required = migration.requiredTable();
                if (required != null && !exists(statement, required)) {
                    log.info("migration {} skipped: it needs table {}.{}, which does not exist (yet)", migration.name(), database, required);
                    continue;
                }
                for (String sql : migration.statements(database)) {
                    try {
                        statement.execute(sql);
                    } catch (SQLException e) {
                        throw new MigrationException("migration " + migration.name() + " failed: " + e.getMessage(), e);
                    }
                }
                log.info("migration {} applied to database {}", migration.name(), database);
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
