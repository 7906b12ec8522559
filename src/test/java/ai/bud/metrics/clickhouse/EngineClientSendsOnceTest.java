package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.ingest.AnswerDroppingProxy;
import ai.bud.metrics.support.TestClickHouse;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.jdbc.ConnectionImpl;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A query whose answer is lost after it was sent (a connection broken at its deadline, a caller gone) is not sent
 * again: the client's default retry re-sent it under the same id, and the copy ran on with nobody waiting (the
 * "left behind" queries of docs/PERFORMANCE.md run 23). The relay loses the answer of every request whose text holds
 * {@code INSERT}, here a string in the query.
 */
class EngineClientSendsOnceTest {

    private static final String SQL = "SELECT 'INSERT' AS marker, number FROM numbers(3)";

    @Test
    void aQueryWhoseAnswerIsLostIsNeverSentAgain() throws Exception {
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy(TestClickHouse.connector().port());
                HikariDataSource throughProxy = proxied(proxy)) {
            EngineClient engine = new EngineClient(throughProxy);
            assertThatThrownBy(() -> engine.queryRowBinary(SQL, Map.of(), null, Map.of(), Duration.ofSeconds(10)).close()).isNotNull();
            assertThat(proxy.inserts()).isEqualTo(1);

            // the control: the same query with the client's default settings is sent more than once
            long before = proxy.inserts();
            try (Connection connection = throughProxy.getConnection()) {
                Client client = connection.unwrap(ConnectionImpl.class).getClient();
                assertThatThrownBy(() -> client.query(SQL, new QuerySettings()).get(10, TimeUnit.SECONDS).close()).isNotNull();
            }
            assertThat(proxy.inserts() - before).isGreaterThan(1);
        }
    }

    private static HikariDataSource proxied(AnswerDroppingProxy proxy) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:clickhouse://127.0.0.1:" + proxy.port() + "/default?compress=false");
        config.setUsername("default");
        config.setPassword("");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }
}
