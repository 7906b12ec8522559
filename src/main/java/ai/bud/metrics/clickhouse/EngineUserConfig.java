package ai.bud.metrics.clickhouse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The user every statement runs as inside the embedded engine. chDB is clickhouse-local, whose default user may do
 * anything and whose file access has no {@code user_files_path} fence: {@code file()}, {@code url()}, {@code remote()},
 * {@code s3()}…, the default database's fallback to files ({@code SELECT * FROM `/etc/hostname`}), File/URL tables.
 * This user has the grants the service and a developer need on the engine's own tables, and none of the SOURCES
 * grants (FILE, URL, REMOTE, S3, MYSQL, …), BACKUP, CREATE DICTIONARY, access management or SYSTEM commands beyond
 * flushing logs, dropping caches and pausing merges; the settings that would change how SQL is read
 * ({@code dialect}) or name files ({@code format_schema}, template files) cannot be changed, nor {@code readonly}
 * (a pooled connection left read-only would refuse the service's inserts). What grants cannot express is refused
 * by {@link QueryGuard} before the engine sees it.
 */
final class EngineUserConfig {

    static final String DIRECTORY = ".budmetrics-engine";

    static final List<String> GRANTS = List.of(
            "GRANT SHOW, SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, CREATE TEMPORARY TABLE, CREATE FUNCTION,"
                    + " DROP, UNDROP TABLE, TRUNCATE, OPTIMIZE, CHECK, KILL QUERY, dictGet, SYSTEM FLUSH, SYSTEM DROP CACHE,"
                    + " SYSTEM MERGES, SYSTEM TTL MERGES ON *.*",
            // fetching a partition reads from another replica
            "REVOKE ALTER FETCH PARTITION ON *.*");

    static final List<String> FIXED_SETTINGS = List.of("dialect", "format_schema", "output_format_schema", "format_template_resultset",
            "format_template_row", "readonly");

    private EngineUserConfig() {
    }

    /**
     * The setting that carries a client's {@code query_id} into the engine's process list ({@code Settings[…]} of
     * {@code system.processes}): chDB's connections give every statement an id of their own, and take no custom settings
     * ({@code custom_settings_prefixes} is not read by chDB 26.5). {@link ClickHouseHttpFacade} maps the two.
     */
    static final String QUERY_ID_SETTING = "log_comment";

    /**
     * Writes the engine's configuration into {@code <dataDir>/.budmetrics-engine/} and returns the main file.
     *
     * @param maxServerMemory the engine's {@code max_server_memory_usage} in bytes; 0 keeps the engine's default
     */
    static Path write(Path dataDir, long maxServerMemory) throws IOException {
        Path directory = Files.createDirectories(dataDir.resolve(DIRECTORY));
        Path users = directory.resolve("users.xml");
        StringBuilder grants = new StringBuilder();
        GRANTS.forEach(grant -> grants.append("        <query>").append(grant).append("</query>\n"));
        StringBuilder constraints = new StringBuilder();
        FIXED_SETTINGS.forEach(name -> constraints.append("      <").append(name).append("><readonly/></").append(name).append(">\n"));
        Files.writeString(users, """
                <!-- written by budmetrics at every start of the embedded engine (EngineUserConfig); edits are lost -->
                <clickhouse>
                  <profiles>
                    <default>
                      <constraints>
                %s      </constraints>
                    </default>
                  </profiles>
                  <users>
                    <default>
                      <password></password>
                      <networks><ip>::/0</ip></networks>
                      <profile>default</profile>
                      <quota>default</quota>
                      <grants>
                %s      </grants>
                    </default>
                  </users>
                  <quotas><default></default></quotas>
                </clickhouse>
                """.formatted(constraints, grants), StandardCharsets.UTF_8);
        Path config = directory.resolve("config.xml");
        Files.writeString(config, """
                <!-- written by budmetrics at every start of the embedded engine (EngineUserConfig); edits are lost -->
                <clickhouse>
                  <users_config>%s</users_config>
                %s</clickhouse>
                """.formatted(xmlText(users.toAbsolutePath().toString()),
                maxServerMemory > 0 ? "  <max_server_memory_usage>" + maxServerMemory + "</max_server_memory_usage>\n" : ""),
                StandardCharsets.UTF_8);
        return config;
    }

    private static String xmlText(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
