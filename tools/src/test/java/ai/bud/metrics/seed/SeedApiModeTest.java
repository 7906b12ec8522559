package ai.bud.metrics.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.bud.metrics.clickhouse.ClickHouseConnector;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The seeder through the running service: Dapr bulk envelopes to /observability/add, ModelInference rows straight
 * into the service's ClickHouse. Skipped (by assumption) only while the service has no ingestion route at all.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"budmetrics.clickhouse.database=seed_api_it",
        // its own dedup keys per run: the seed makes the same inference ids every run, and "stored" markers outlive the database
        "budmetrics.ingest.dedup.key-prefix=budmetrics:seed-api-it:${random.uuid}"})
class SeedApiModeTest {

    /** A seed of this run: the data directory may keep rows of an earlier run, and the same seed makes the same ids. */
    private static final long RUN_SEED = System.nanoTime();

    @LocalServerPort
    int port;

    @Autowired
    ClickHouseConnector connector;

    @Autowired
    DataSource dataSource;

    @BeforeEach
    void ingestionRouteExists() throws IOException, InterruptedException {
        HttpResponse<String> probe = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + "/observability/add"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"entries\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assumeTrue(probe.statusCode() != 404, "POST /observability/add is not on this branch yet");
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private SeedRun seed(String... extra) {
        String[] args = {"--url", base(), "--clickhouse-url", "http://127.0.0.1:" + connector.port(), "--database", "seed_api_it",
                "--from", "2024-06-01", "--to", "2024-06-04", "--records", "1500", "--batch-size", "200", "--seed", Long.toString(RUN_SEED), "--verify"};
        String[] all = new String[args.length + extra.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return SeedRun.of(all);
    }

    @Test
    void storesEveryEventOnceThroughTheApi() throws SQLException {
        long before = SeedDirectModeTest.longs(dataSource, "SELECT count() FROM ModelInferenceDetails").get(0);

        SeedRun first = seed();
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("sent 1,500, inserted 1,500, duplicates 0, failed 0").doesNotContain("MISMATCH");
        assertThat(SeedDirectModeTest.longs(dataSource, "SELECT count() - " + before + ", countIf(is_success),"
                + " countIf(dateDiff('millisecond', request_arrival_time, request_forward_time) NOT BETWEEN 1 AND 100),"
                + " countIf(request_ip IS NOT NULL AND NOT startsWith(toString(request_ip), '::ffff:')) > 0,"
                + " countIf(response_analysis IS NOT NULL) > 0 FROM ModelInferenceDetails").subList(2, 5))
                .containsExactly(0L, 1L, 1L);
        assertThat(SeedDirectModeTest.longs(dataSource, "SELECT count() FROM ModelInferenceDetails").get(0) - before).isEqualTo(1500L);
        assertThat(SeedDirectModeTest.longs(dataSource, "SELECT countIf(d.inference_id IS NULL), count() FROM ModelInference m"
                + " LEFT JOIN ModelInferenceDetails d ON m.inference_id = d.inference_id SETTINGS join_use_nulls = 1").get(0)).isZero();

        // the same events again: the service reports them as duplicates and stores nothing twice
        SeedRun again = seed();
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("inserted 0, duplicates 1,500, failed 0");
        assertThat(SeedDirectModeTest.longs(dataSource, "SELECT count() - " + before + ", uniqExact(inference_id) - " + before
                + " FROM ModelInferenceDetails")).containsExactly(1500L, 1500L);
    }
}
