package ai.bud.metrics.seed;

import ai.bud.metrics.clickhouse.ClickHouseConnector;
import ai.bud.metrics.clickhouse.ClickHouseProperties;
import ai.bud.metrics.clickhouse.EmbeddedEngineException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The ClickHouse the seeder writes to (directly, or for ModelInference rows and verification), schema ensured.
 * In order: {@code --clickhouse-url}; CLICKHOUSE_HOST/PORT; in API mode the running service's embedded engine on
 * 127.0.0.1:CLICKHOUSE_EMBEDDED_PORT; in direct mode the embedded engine on CLICKHOUSE_EMBEDDED_DATA, or, when a
 * running service holds that directory, that service's ClickHouse HTTP port.
 */
final class ClickHouseTarget implements AutoCloseable {

    private final ClickHouseConnector connector;
    private final ClickHouseHttp http;

    private ClickHouseTarget(ClickHouseConnector connector, ClickHouseHttp http) {
        this.connector = connector;
        this.http = http;
    }

    static ClickHouseTarget open(SeedOptions options, Map<String, String> env, PrintStream err) {
        ClickHouseProperties configured = ClickHouseProperties.fromEnvironment(env);
        ClickHouseProperties properties;
        if (options.clickhouseUrl() != null) {
            URI url = options.clickhouseUrl();
            properties = external(configured, options.database(), url.getHost(), url.getPort() < 0 ? 8123 : url.getPort());
        } else if (!configured.isEmbedded()) {
            properties = external(configured, options.database(), configured.host(), configured.port());
        } else if (options.mode() == SeedOptions.Mode.API) {
            properties = external(configured.withEmbeddedPortCredentials(), options.database(), "127.0.0.1",
                    configured.embedded().port());
        } else {
            properties = external(configured, options.database(), null, configured.port());
        }
        ClickHouseConnector connector = start(properties, err);
        try {
            connector.awaitReachable();
            connector.migrate(options.includeModelInference(), false);
            URI base = URI.create("http://" + connector.host() + ":" + connector.port() + "/");
            return new ClickHouseTarget(connector,
                    new ClickHouseHttp(base, options.database(), properties.clientUser(), properties.clientPassword()));
        } catch (RuntimeException e) {
            connector.close();
            throw e;
        }
    }

    private static ClickHouseConnector start(ClickHouseProperties properties, PrintStream err) {
        if (!properties.isEmbedded()) {
            return ClickHouseConnector.start(properties);
        }
        try {
            return ClickHouseConnector.start(properties.withEmbeddedPort(0));
        } catch (EmbeddedEngineException e) {
            // A running service owns the data directory: use the ClickHouse HTTP interface it serves instead.
            int port = properties.embedded().port();
            URI facade = URI.create("http://127.0.0.1:" + port + "/");
            if (e.getMessage().contains("locked") && new ClickHouseHttp(facade, properties.database(), null, null).ping()) {
                err.println("seed: " + properties.embedded().dataDir() + " is held by a running service; using its ClickHouse HTTP"
                        + " interface at " + facade + " (--clickhouse-url " + facade + " says so explicitly)");
                return ClickHouseConnector.start(
                        external(properties.withEmbeddedPortCredentials(), properties.database(), "127.0.0.1", port));
            }
            throw e;
        }
    }

    private static ClickHouseProperties external(ClickHouseProperties p, String database, String host, int port) {
        return new ClickHouseProperties(host, port, database, p.user(), p.password(), 2, Duration.ofSeconds(1), 2, p.queryTimeout(),
                true, p.createModelInference(), p.embedded());
    }

    ClickHouseHttp http() {
        return http;
    }

    String describe() {
        return (connector.isEmbedded() ? "embedded ClickHouse in " + connector.properties().embedded().dataDir() + " via " : "ClickHouse at ")
                + http.base() + " database " + connector.database();
    }

    @Override
    public void close() {
        connector.close();
    }
}
