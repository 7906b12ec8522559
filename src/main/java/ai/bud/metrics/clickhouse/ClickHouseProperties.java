package ai.bud.metrics.clickhouse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

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
        @DefaultValue Embedded embedded,
        @DefaultValue Cluster cluster) {

    @ConstructorBinding
    public ClickHouseProperties {
        if (!Migrations.IDENTIFIER.matcher(database).matches()) {
            throw new IllegalArgumentException("CLICKHOUSE_DB_NAME must be a plain identifier, got '" + database + "'");
        }
        cluster = cluster == null ? Cluster.NONE : cluster;
        if (cluster.enabled() && (host == null || host.isBlank())) {
            throw new IllegalArgumentException("CLICKHOUSE_CLUSTER=" + cluster.name() + " needs an external ClickHouse (CLICKHOUSE_HOST); "
                    + "the embedded engine is one node");
        }
    }

    /** One node (no cluster). */
    public ClickHouseProperties(String host, int port, String database, String user, String password, int maxRetries, Duration retryDelay,
            int poolSize, Duration queryTimeout, boolean migrateOnStartup, Boolean createModelInference, Embedded embedded) {
        this(host, port, database, user, password, maxRetries, retryDelay, poolSize, queryTimeout, migrateOnStartup, createModelInference,
                embedded, Cluster.NONE);
    }

    /**
     * A ClickHouse cluster (docs/SCALING.md): the migrations write {@code ON CLUSTER} DDL for it, and every statement the
     * service sends carries the settings of {@link ClickHouseConnector#sessionSettings()}.
     *
     * @param name         the cluster as the servers' {@code remote_servers} name it; empty for one node
     * @param insertQuorum replicas of a shard an insert must be on before it is acknowledged; unset: every replica the
     *                     cluster lists for a shard (read from {@code system.clusters})
     */
    public record Cluster(String name, Integer insertQuorum) {

        static final Cluster NONE = new Cluster(null, null);

        public Cluster {
            name = name == null || name.isBlank() ? null : name.strip();
            if (name != null && !Migrations.IDENTIFIER.matcher(name).matches()) {
                throw new IllegalArgumentException("CLICKHOUSE_CLUSTER must be a plain identifier, got '" + name + "'");
            }
            if (insertQuorum != null && insertQuorum < 0) {
                throw new IllegalArgumentException("CLICKHOUSE_INSERT_QUORUM must not be negative, got " + insertQuorum);
            }
        }

        public boolean enabled() {
            return name != null;
        }
    }

    /**
     * The embedded engine and its loopback ClickHouse HTTP port.
     *
     * @param user     with {@code password}: the credentials the port asks for (either set turns the check on; the
     *                 user defaults to {@code default}), and that the service itself then connects with
     * @param maxBody  largest request body the port accepts
     * @param connections       engine connections for queries: analytics and the port's other clients
     * @param ingestConnections engine connections kept for ingest statements, which analytics cannot take
     * @param maxMemory   the engine's memory cap; null: derived from the machine's memory ({@link #serverMemoryCap})
     */
    public record Embedded(
            @DefaultValue("./data/clickhouse") Path dataDir,
            @DefaultValue("8123") int port,
            String library,
            @DefaultValue("4") int connections,
            String user,
            String password,
            @DefaultValue("256MB") DataSize maxBody,
            @DefaultValue("2") int ingestConnections,
            DataSize maxMemory) {

        @ConstructorBinding
        public Embedded {
            user = user == null || user.isBlank() ? null : user;
            password = password == null || password.isEmpty() ? null : password;
            maxBody = maxBody == null ? DataSize.ofMegabytes(256) : maxBody;
            if (maxBody.toBytes() <= 0) {
                throw new IllegalArgumentException("CLICKHOUSE_EMBEDDED_MAX_BODY must be positive, got " + maxBody);
            }
            if (connections < 1 || ingestConnections < 0) {
                throw new IllegalArgumentException("CLICKHOUSE_EMBEDDED_CONNECTIONS must be positive and"
                        + " CLICKHOUSE_EMBEDDED_INGEST_CONNECTIONS not negative, got " + connections + " and " + ingestConnections);
            }
        }

        /** The port without credentials and with the default body limit. */
        public Embedded(Path dataDir, int port, String library, int connections) {
            this(dataDir, port, library, connections, null, null, null);
        }

        /** Two connections kept for ingest, the memory cap derived from the machine. */
        public Embedded(Path dataDir, int port, String library, int connections, String user, String password, DataSize maxBody) {
            this(dataDir, port, library, connections, user, password, maxBody, 2, null);
        }

        /**
         * The engine's memory cap in bytes ({@code max_server_memory_usage}): {@link #maxMemory} when set, else 80 %
         * of what the JVM's largest heap leaves of the machine's (or the container's) memory, at least 512 MB. The JVM
         * itself needs more than its heap (metaspace, threads, buffers): the other 20 % is that room.
         */
        public long serverMemoryCap() {
            if (maxMemory != null && maxMemory.toBytes() > 0) {
                return maxMemory.toBytes();
            }
            long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getTotalMemorySize();
            return Math.max(512L << 20, (long) ((total - Runtime.getRuntime().maxMemory()) * 0.8));
        }

        public boolean requiresCredentials() {
            return user != null || password != null;
        }

        /** The user a client of the port presents ({@code default} when only a password is set). */
        public String clientUser() {
            return user == null ? "default" : user;
        }

        public String clientPassword() {
            return password == null ? "" : password;
        }
    }

    public boolean isEmbedded() {
        return host == null || host.isBlank();
    }

    /** Who the service connects as: the embedded port's credentials when it asks for some, else CLICKHOUSE_USER. */
    public String clientUser() {
        return isEmbedded() && embedded.requiresCredentials() ? embedded.clientUser() : user;
    }

    public String clientPassword() {
        return isEmbedded() && embedded.requiresCredentials() ? embedded.clientPassword() : password;
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
                        intOr(get.apply("CLICKHOUSE_EMBEDDED_CONNECTIONS"), 4),
                        get.apply("CLICKHOUSE_EMBEDDED_USER"),
                        get.apply("CLICKHOUSE_EMBEDDED_PASSWORD"),
                        DataSize.parse(orElse(get.apply("CLICKHOUSE_EMBEDDED_MAX_BODY"), "256MB").strip()),
                        intOr(get.apply("CLICKHOUSE_EMBEDDED_INGEST_CONNECTIONS"), 2),
                        get.apply("CLICKHOUSE_EMBEDDED_MAX_MEMORY") == null ? null
                                : DataSize.parse(get.apply("CLICKHOUSE_EMBEDDED_MAX_MEMORY").strip())),
                new Cluster(get.apply("CLICKHOUSE_CLUSTER"), get.apply("CLICKHOUSE_INSERT_QUORUM") == null ? null
                        : intOr(get.apply("CLICKHOUSE_INSERT_QUORUM"), 0)));
    }

    /** The same, on the named cluster (null: one node). */
    public ClickHouseProperties withCluster(String name) {
        return new ClickHouseProperties(host, port, database, user, password, maxRetries, retryDelay, poolSize, queryTimeout,
                migrateOnStartup, createModelInference, embedded, new Cluster(name, cluster.insertQuorum()));
    }

    public ClickHouseProperties withRetries(int retries, Duration delay) {
        return new ClickHouseProperties(host, port, database, user, password, retries, delay, poolSize, queryTimeout,
                migrateOnStartup, createModelInference, embedded, cluster);
    }

    /** The same, with the embedded engine's HTTP facade on another port (0: any free one), for tools. */
    public ClickHouseProperties withEmbeddedPort(int embeddedPort) {
        return new ClickHouseProperties(host, port, database, user, password, maxRetries, retryDelay, poolSize, queryTimeout,
                migrateOnStartup, createModelInference,
                new Embedded(embedded.dataDir(), embeddedPort, embedded.library(), embedded.connections(), embedded.user(),
                        embedded.password(), embedded.maxBody(), embedded.ingestConnections(), embedded.maxMemory()), cluster);
    }

    /**
     * The same, as a client of a running service's embedded port (a tool that reaches it as an external server): the
     * port's credentials, when it asks for some, stand in for CLICKHOUSE_USER/PASSWORD.
     */
    public ClickHouseProperties withEmbeddedPortCredentials() {
        if (!embedded.requiresCredentials()) {
            return this;
        }
        return new ClickHouseProperties(host, port, database, embedded.clientUser(), embedded.clientPassword(), maxRetries, retryDelay,
                poolSize, queryTimeout, migrateOnStartup, createModelInference, embedded, cluster);
    }

    private static String orElse(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static int intOr(String value, int fallback) {
        return value == null ? fallback : Integer.parseInt(value.strip());
    }
}
