package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.clickhouse.SendOnceStatements;
import ai.bud.metrics.ingest.store.DeadLetterStore.DeadLetter;
import ai.bud.metrics.support.TestClickHouse;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.component.sql.DefaultSqlPrepareStatementStrategy;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shipped routes/dead-letter.camel.yaml alone, on a plain CamelContext over the real engine: what the route's
 * {@code sql:} insert binds arrives in IngestDeadLetter exactly as sent, and a lost answer never writes the letters twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadLetterRouteTest {

    private static final String DATABASE = "dead_letter_route_test";

    private DataSource dataSource;
    private Rows rows;

    @BeforeAll
    void setUp() {
        dataSource = TestClickHouse.database(DATABASE);
        rows = new Rows(dataSource);
    }

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /**
     * A context with only the dead-letter route file, its DataSource and statement strategy as the service registers
     * them, and the flow bean that counts the letters written (it needs no dedup or writer for that).
     */
    private CamelContext deadLetterRoute(DataSource dataSource, Object statements) throws Exception {
        CamelContext context = new DefaultCamelContext();
        context.getRegistry().bind("dataSource", dataSource);
        context.getRegistry().bind("sendOnceStatements", statements);
        context.getRegistry().bind("ingestFlow", new IngestFlow(null, null, meters));
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/dead-letter.camel.yaml"));
        context.start();
        return context;
    }

    /** Every character a payload may hold, including those SQL text or TabSeparated would have to escape. */
    private static String everyCharacter() {
        StringBuilder text = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            text.append(c);
        }
        // a placeholder's spelling is text inside a literal (the embedded engine's port once refused it as an unset parameter)
        return text.append("'); DROP TABLE IngestDeadLetter; -- \\' \\\\N \\N é 漢字 \uD83D\uDE00 \u2028\uFEFF {name:String} ${jndi:ldap://x/a}")
                .toString();
    }

    @Test
    void everyValueArrivesAsItWasSent() throws Exception {
        String reference = "ref-" + UUID.randomUUID();
        List<DeadLetter> letters = List.of(
                new DeadLetter("http", reference, 7, "e\t7", "not-a-uuid ' \" \\", "bad\nvalue: 'x'", everyCharacter()),
                new DeadLetter("redis", reference, Integer.MAX_VALUE, null, "\\N", "", null),
                new DeadLetter("http", reference, 0, "", null, null, "{\"a\":\"b\\\"c\"}"));
        CamelContext context = deadLetterRoute(dataSource, new SendOnceStatements());
        double httpBefore = written("http");
        double redisBefore = written("redis");
        try {
            context.createProducerTemplate().sendBody("direct:dead-letter", letters);
        } finally {
            context.close();
        }
        List<List<Object>> stored = rows.query("SELECT source, reference, entry_index, entry_id, inference_id, error, payload,"
                + " received_at > now64(3) - INTERVAL 10 MINUTE FROM IngestDeadLetter WHERE reference = ? ORDER BY entry_index", reference);
        assertThat(stored).hasSize(3);
        List<List<Object>> expected = new ArrayList<>();
        for (DeadLetter letter : List.of(letters.get(2), letters.get(0), letters.get(1))) {
            List<Object> row = new ArrayList<>();
            row.add(letter.source());
            row.add(letter.reference());
            row.add((long) letter.index());
            row.add(letter.entryId());
            row.add(letter.inferenceId());
            row.add(letter.error());
            row.add(letter.payload());
            row.add(1L);
            expected.add(row);
        }
        for (int i = 0; i < 3; i++) {
            List<Object> got = new ArrayList<>(stored.get(i));
            got.set(2, ((Number) got.get(2)).longValue());
            got.set(7, ((Number) got.get(7)).longValue());
            assertThat(got).as("row %d", i).isEqualTo(expected.get(i));
        }
        // null error and payload are stored as empty text (the columns are not Nullable)
        assertThat(stored.get(2).get(6)).isEqualTo("");
        assertThat(stored.get(0).get(5)).isEqualTo("");
        // and counted per source once written
        assertThat(written("http") - httpBefore).isEqualTo(letters.stream().filter(letter -> letter.source().equals("http")).count());
        assertThat(written("redis") - redisBefore).isEqualTo(letters.stream().filter(letter -> letter.source().equals("redis")).count());
    }

    @Test
    void aDeadLetterInsertWhoseAnswerIsLostIsNeverSentAgain() throws Exception {
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy(TestClickHouse.connector().port());
                HikariDataSource throughProxy = proxied(proxy)) {
            String reference = "lost-" + UUID.randomUUID();
            CamelContext context = deadLetterRoute(throughProxy, new SendOnceStatements());
            double before = written();
            try {
                List<DeadLetter> letters = List.of(new DeadLetter("http", reference, 0, null, null, "e", "p"),
                        new DeadLetter("http", reference, 1, null, null, "e", "p"));
                assertThatThrownBy(() -> context.createProducerTemplate().sendBody("direct:dead-letter", letters)).isNotNull();
            } finally {
                context.close();
            }
            assertThat(proxy.inserts()).isEqualTo(1);
            assertThat(written()).as("an insert that failed counts nothing").isEqualTo(before);
            assertThat(rows.query("SELECT count() FROM IngestDeadLetter WHERE reference = ?", reference).get(0).get(0)).asString().isEqualTo("2");

            // the same route with camel-sql's default statements: the client sends the INSERT again, and the letters are stored twice
            String control = "control-" + UUID.randomUUID();
            long insertsBefore = proxy.inserts();
            CamelContext plain = deadLetterRoute(throughProxy, new DefaultSqlPrepareStatementStrategy());
            try {
                plain.createProducerTemplate().sendBody("direct:dead-letter", List.of(new DeadLetter("http", control, 0, null, null, "e", "p")));
            } catch (RuntimeException expected) {
                // every attempt loses its answer
            } finally {
                plain.close();
            }
            assertThat(proxy.inserts() - insertsBefore).isGreaterThan(1);
            assertThat(((Number) rows.query("SELECT count() FROM IngestDeadLetter WHERE reference = ?", control).get(0).get(0)).longValue())
                    .isGreaterThan(1L);
        }
    }

    private double written() {
        return written("http") + written("redis");
    }

    private double written(String source) {
        return meters.find("budmetrics.ingest.dead.letters").tag("source", source).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static HikariDataSource proxied(AnswerDroppingProxy proxy) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:clickhouse://127.0.0.1:" + proxy.port() + "/" + DATABASE + "?compress=false");
        config.setUsername("default");
        config.setPassword("");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }
}
