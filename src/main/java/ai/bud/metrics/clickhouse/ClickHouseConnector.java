package ai.bud.metrics.clickhouse;

import com.clickhouse.client.api.ClientConfigProperties;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way to ClickHouse: an external server, or the embedded engine served on a loopback port.
 * Either way the rest of the service sees a ClickHouse HTTP endpoint reached through clickhouse-jdbc.
 */
public final class ClickHouseConnector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClickHouseConnector.class);

    private final ClickHouseProperties properties;
    private final EmbeddedClickHouse engine;
    private final ClickHouseHttpFacade facade;
    private final String host;
    private final int port;

    private final boolean embedded;
    private Map<String, String> sessionSettings;

    private ClickHouseConnector(ClickHouseProperties properties, EmbeddedClickHouse engine, ClickHouseHttpFacade facade) {
        this(properties, engine, facade, engine == null ? properties.host() : "127.0.0.1",
                facade == null ? properties.port() : facade.port(), engine != null);
    }

    private ClickHouseConnector(ClickHouseProperties properties, EmbeddedClickHouse engine, ClickHouseHttpFacade facade,
            String host, int port, boolean embedded) {
        this.properties = properties;
        this.engine = engine;
        this.facade = facade;
        this.host = host;
        this.port = port;
        this.embedded = embedded;
    }

    /** Opens the embedded engine and its HTTP facade when no external host is configured. */
    public static ClickHouseConnector start(ClickHouseProperties properties) {
        if (!properties.isEmbedded()) {
            log.info("using external ClickHouse at {}:{} (database {})", properties.host(), properties.port(), properties.database());
            return new ClickHouseConnector(properties, null, null);
        }
        ClickHouseProperties.Embedded embedded = properties.embedded();
        EmbeddedClickHouse engine = EmbeddedClickHouse.open(ChdbLibraryLocator.locate(embedded.library()), embedded.dataDir(),
                embedded.connections(), embedded.ingestConnections(), embedded.serverMemoryCap());
        try {
            return new ClickHouseConnector(properties, engine, ClickHouseHttpFacade.start(engine, embedded));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** A view of a running connector with other settings (another database), sharing its engine; closing it closes nothing. */
    public static ClickHouseConnector forDatabase(ClickHouseConnector running, ClickHouseProperties properties) {
        return new ClickHouseConnector(properties, null, null, running.host, running.port, running.isEmbedded());
    }

    public ClickHouseProperties properties() {
        return properties;
    }

    public boolean isEmbedded() {
        return embedded;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return properties.database();
    }

    public String jdbcUrl(String database) {
        // On loopback LZ4 framing costs more than it saves.
        String compression = isEmbedded() ? "?compress=false" : "";
        return "jdbc:clickhouse://" + host + ":" + port + "/" + database + compression;
    }

    public Connection openConnection(String database) throws SQLException {
        return openConnection(database, Map.of());
    }

    private Connection openConnection(String database, Map<String, String> settings) throws SQLException {
        Properties info = new Properties();
        info.setProperty("user", properties.clientUser());
        info.setProperty("password", properties.clientPassword());
        settings.forEach((name, value) -> info.setProperty(ClientConfigProperties.serverSetting(name), value));
        return DriverManager.getConnection(jdbcUrl(database), info);
    }

    /**
     * The ClickHouse settings every statement of the service carries: none on one node. On a cluster (docs/SCALING.md):
     * <ul>
     * <li>{@code distributed_foreground_insert = 1}: an INSERT into a Distributed table returns once every shard has its
     * rows, not once they are queued on the node that took it, so an acknowledged event is stored, and the dedup check
     * (which reads through the Distributed table) sees it;</li>
     * <li>{@code insert_quorum = N}: ... and once N replicas of its shard hold them, N being every replica of a shard
     * unless {@code CLICKHOUSE_INSERT_QUORUM} says otherwise, so a check answered by any replica sees every acknowledged
     * row;</li>
     * <li>{@code distributed_product_mode = local}: a query on a Distributed table whose IN or JOIN reads another one
     * (analytics: ModelInference of the ModelInferenceDetails rows in range) reads the other's local table on each shard.
     * Both are sharded by inference_id, so an inference's rows of both are on the same shard.</li>
     * </ul>
     * Read once and kept; a cluster that {@code system.clusters} does not list fails here, naming the ones it does.
     */
    public synchronized Map<String, String> sessionSettings() {
        if (sessionSettings == null) {
            ClickHouseProperties.Cluster cluster = properties.cluster();
            if (!cluster.enabled()) {
                sessionSettings = Map.of();
            } else {
                int quorum = cluster.insertQuorum() != null ? cluster.insertQuorum() : replicasPerShard(cluster.name());
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put("distributed_foreground_insert", "1");
                settings.put("insert_quorum", Integer.toString(quorum));
                settings.put("distributed_product_mode", "local");
                sessionSettings = Collections.unmodifiableMap(settings);
                log.info("ClickHouse cluster {}: every statement carries {}", cluster.name(), sessionSettings);
            }
        }
        return sessionSettings;
    }

    /** The most replicas any shard of the cluster has, as the server's {@code system.clusters} lists them. */
    private int replicasPerShard(String cluster) {
        try (Connection connection = openConnection("default");
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT cluster, max(replica_num) FROM system.clusters GROUP BY cluster ORDER BY cluster")) {
            Map<String, Integer> clusters = new LinkedHashMap<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    clusters.put(rows.getString(1), rows.getInt(2));
                }
            }
            Integer replicas = clusters.get(cluster);
            if (replicas == null) {
                throw new MigrationException("CLICKHOUSE_CLUSTER=" + cluster + " is not a cluster of the ClickHouse at " + host + ":" + port
                        + " (its system.clusters lists " + (clusters.isEmpty() ? "none" : String.join(", ", clusters.keySet())) + ")");
            }
            return replicas;
        } catch (SQLException e) {
            throw new ClickHouseUnavailableException("cannot read system.clusters at " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Waits until ClickHouse answers {@code SELECT 1}, trying {@code maxRetries + 1} times. */
    public void awaitReachable() {
        int attempts = Math.max(0, properties.maxRetries()) + 1;
        Exception last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try (Connection connection = openConnection("default"); Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
                return;
            } catch (SQLException | RuntimeException e) {
                last = e;
                log.warn("ClickHouse at {}:{} not reachable (attempt {}/{}): {}", host, port, attempt, attempts, rootMessage(e));
                if (attempt < attempts) {
                    sleep(properties.retryDelay().toMillis());
                }
            }
        }
        throw new ClickHouseUnavailableException("ClickHouse at " + host + ":" + port + " did not answer after " + attempts
                + " attempts (" + rootMessage(last) + ")", last);
    }

    /** Applies (or with {@code verifyOnly}, only checks) the schema. */
    public void migrate(boolean includeModelInference, boolean verifyOnly) {
        Migrations migrations = Migrations.load(properties.database(), includeModelInference, properties.cluster().name());
        try (Connection connection = openConnection("default", sessionSettings())) {
            if (!verifyOnly) {
                migrations.apply(connection);
            }
            migrations.verify(connection);
        } catch (SQLException e) {
            throw new MigrationException("migration failed: " + e.getMessage(), e);
        }
    }

    public HikariDataSource createDataSource() {
        return createDataSource("clickhouse", properties.poolSize(), Map.of());
    }

    /**
     * The service's connections for ingestion and every statement but analytics: statements sent with
     * {@code priority = ingestPriority} (the engine runs them ahead of analytics) and, to the embedded engine,
     * {@code workload = ingest}, which gives them the engine connections kept for ingest.
     */
    public HikariDataSource createIngestDataSource(int ingestPriority) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (ingestPriority > 0) {
            settings.put("priority", Integer.toString(ingestPriority));
        }
        if (embedded) {
            settings.put("workload", "ingest");
        }
        return createDataSource("clickhouse", properties.poolSize(), settings);
    }

    /**
     * A pool of its own, {@code size} connections, with these ClickHouse settings on every statement (sent beside it,
     * as URL parameters of the HTTP interface).
     */
    public HikariDataSource createDataSource(String name, int size, Map<String, String> serverSettings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(jdbcUrl(properties.database()));
        config.setUsername(properties.clientUser());
        config.setPassword(properties.clientPassword());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(2, size));
        serverSettings.forEach((setting, value) -> config.addDataSourceProperty(ClientConfigProperties.serverSetting(setting), value));
        config.setConnectionTimeout(10_000);
        config.setValidationTimeout(5_000);
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("user", properties.clientUser());
        config.addDataSourceProperty("password", properties.clientPassword());
        sessionSettings().forEach((setting, value) -> config.addDataSourceProperty(ClientConfigProperties.serverSetting(setting), value));
        return new HikariDataSource(config);
    }

    static String rootMessage(Throwable error) {
        if (error == null) {
            return "no answer";
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClickHouseUnavailableException("interrupted while waiting for ClickHouse", e);
        }
    }

    @Override
    public void close() {
        if (facade != null) {
            facade.close();
        }
        if (engine != null) {
            engine.close();
        }
    }
}
