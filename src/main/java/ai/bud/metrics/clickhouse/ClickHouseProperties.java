package ai.bud.metrics.clickhouse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where ClickHouse is and how to treat it. External when {@code host} is set, else the embedded engine.
 * Spring binds it from {@code budmetrics.clickhouse.*} (application.yaml maps the environment variables);
 * the command-line tools build it with {@link #fromEnvironment}.
 */
@ConfigurationProperties("budmetrics.clickhouse")
public record ClickHouseProperties(
        String host,
        @DefaultValue("8123") int port,
        @DefaultValue("bud") String database,
        @DefaultValue("default") String user,
        @DefaultValue("") String password,
        @DefaultValue("10") int maxRetries,
        @DefaultValue("2s") Duration retryDelay,
        @DefaultValue("16") int poolSize,
        @DefaultValue("60s") Duration queryTimeout,
        @DefaultValue("true") boolean migrateOnStartup,
        Boolean createModelInference,
        @DefaultValue Embedded embedded) {

    public ClickHouseProperties {
        if (!Migrations.IDENTIFIER.matcher(database).matches()) {
            throw new IllegalArgumentException("CLICKHOUSE_DB_NAME must be a plain identifier, got '" + database + "'");
        }
    }

    public record Embedded(
            @DefaultValue("./data/clickhouse") Path dataDir,
            @DefaultValue("8123") int port,
            String library,
            @DefaultValue("4") int connections) {
    }

    public boolean isEmbedded() {
        return host == null || host.isBlank();
    }

    /** ModelInference is the gateway's table: created by default only for the embedded (local) engine. */
    public boolean shouldCreateModelInference() {
        return createModelInference != null ? createModelInference : isEmbedded();
    }

    /** The same settings read straight from environment variables, for the command-line tools. */
    public static ClickHouseProperties fromEnvironment(Map<String, String> env) {
        Function<String, String> get = name -> {
            String value = env.get(name);
            return value == null || value.isBlank() ? null : value;
        };
        String createMi = get.apply("CLICKHOUSE_CREATE_MODEL_INFERENCE");
        return new ClickHouseProperties(
                get.apply("CLICKHOUSE_HOST"),
                intOr(get.apply("CLICKHOUSE_PORT"), 8123),
                orElse(get.apply("CLICKHOUSE_DB_NAME"), "bud"),
                orElse(get.apply("CLICKHOUSE_USER"), "default"),
                orElse(get.apply("CLICKHOUSE_PASSWORD"), ""),
                intOr(get.apply("CLICKHOUSE_MAX_RETRIES"), 10),
                Duration.ofMillis((long) (Double.parseDouble(orElse(get.apply("CLICKHOUSE_RETRY_DELAY_SECONDS"), "2")) * 1000)),
                intOr(get.apply("CLICKHOUSE_POOL_SIZE"), 16),
                Duration.ofSeconds(intOr(get.apply("CLICKHOUSE_QUERY_TIMEOUT_SECONDS"), 60)),
                true,
                createMi == null ? null : Boolean.valueOf(createMi),
                new Embedded(
                        Path.of(orElse(get.apply("CLICKHOUSE_EMBEDDED_DATA"), "./data/clickhouse")),
                        intOr(get.apply("CLICKHOUSE_EMBEDDED_PORT"), 8123),
                        get.apply("CHDB_LIBRARY"),
                        intOr(get.apply("CLICKHOUSE_EMBEDDED_CONNECTIONS"), 4)));
    }

    public ClickHouseProperties withRetries(int retries, Duration delay) {
        return new ClickHouseProperties(host, port, database, user, password, retries, delay, poolSize, queryTimeout,
                migrateOnStartup, createModelInference, embedded);
    }

    /** The same, with the embedded engine's HTTP facade on another port (0: any free one), for tools. */
    public ClickHouseProperties withEmbeddedPort(int embeddedPort) {
        return new ClickHouseProperties(host, port, database, user, password, maxRetries, retryDelay, poolSize, queryTimeout,
                migrateOnStartup, createModelInference,
                new Embedded(embedded.dataDir(), embeddedPort, embedded.library(), embedded.connections()));
    }

    private static String orElse(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static int intOr(String value, int fallback) {
        return value == null ? fallback : Integer.parseInt(value.strip());
    }
}
