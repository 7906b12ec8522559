package ai.bud.metrics.seed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seeder straight into ClickHouse (the test JVM's embedded engine through its HTTP interface): the stored data
 * is checked against the properties the generator promises, computed here in SQL, not against the seeder's report.
 */
class SeedDirectModeTest {

    private static final String FROM = "2024-03-01T00:00:00";
    private static final String TO = "2024-03-08T00:00:00";

    private static String clickhouseUrl;

    @BeforeAll
    static void engine() {
        clickhouseUrl = "http://127.0.0.1:" + TestClickHouse.connector().port();
    }

    private static SeedRun seed(String database, String... extra) {
        List<String> args = new ArrayList<>(List.of("--direct-db", "--clickhouse-url", clickhouseUrl, "--database", database,
                "--from", FROM, "--to", TO, "--projects", "4", "--models", "5", "--batch-size", "700"));
        args.addAll(List.of(extra));
        return SeedRun.of(args.toArray(String[]::new));
    }

    @Test
    void storesRealisticRelatedDataAndVerifiesIt() throws SQLException {
        DataSource db = TestClickHouse.database("seed_it");
        SeedRun run = seed("seed_it", "--records", "3000", "--seed", "11", "--verify");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("inserted 3,000, duplicates 0, failed 0").doesNotContain("MISMATCH");
        assertThat(longs(db, "SELECT count(), uniqExact(inference_id), uniqExact(project_id), uniqExact(model_id) FROM ModelInferenceDetails"))
                .containsExactly(3000L, 3000L, 4L, 5L);
        assertThat(longs(db, "SELECT countIf(request_arrival_time < '2024-03-01 00:00:00' OR request_arrival_time >= '2024-03-08 00:00:00'),"
                + " min(dateDiff('millisecond', request_arrival_time, request_forward_time)) >= 1,"
                + " max(dateDiff('millisecond', request_arrival_time, request_forward_time)) <= 100,"
                + " countIf(toUnixTimestamp64Milli(request_arrival_time) % 1000 != 0) > 2000 FROM ModelInferenceDetails"))
                .containsExactly(0L, 1L, 1L, 1L);
        // each endpoint serves one model and belongs to one project; some model is served by several endpoints
        assertThat(longs(db, "SELECT max(m), max(p) FROM (SELECT endpoint_id, uniqExact(model_id) m, uniqExact(project_id) p"
                + " FROM ModelInferenceDetails GROUP BY endpoint_id)")).containsExactly(1L, 1L);
        assertThat(longs(db, "SELECT max(e) FROM (SELECT model_id, uniqExact(endpoint_id) e FROM ModelInferenceDetails GROUP BY model_id)").get(0))
                .isGreaterThanOrEqualTo(2L);
        // ~95 % success, costs and analyses only on successes, addresses on ~70 % with some IPv6
        List<Long> shares = longs(db, "SELECT countIf(is_success), countIf(is_success AND cost IS NULL), countIf(NOT is_success AND cost IS NOT NULL),"
                + " countIf(request_ip IS NOT NULL), countIf(request_ip IS NOT NULL AND NOT startsWith(toString(request_ip), '::ffff:')),"
                + " countIf(is_success AND response_analysis IS NOT NULL), countIf(NOT is_success AND response_analysis IS NOT NULL),"
                + " countIf(NOT is_success AND (error_code IS NULL OR status_code < 400)) FROM ModelInferenceDetails");
        assertThat(shares.get(0)).isBetween(2790L, 2910L);
        assertThat(shares.subList(1, 3)).containsExactly(0L, 0L);
        assertThat(shares.get(3)).isBetween(1950L, 2250L);
        assertThat(shares.get(4)).isPositive();
        assertThat(shares.get(5) * 100 / shares.get(0)).isBetween(44L, 56L);
        assertThat(shares.get(6)).isZero();
        assertThat(shares.get(7)).isZero();

        // ModelInference: same inference ids, UUIDv7 carrying the arrival time, TTFT <= response time, some NULLs
        List<Long> calls = longs(db, "SELECT count(), uniqExact(m.inference_id), countIf(d.inference_id IS NULL),"
                + " countIf(UUIDv7ToDateTime(m.id) != d.request_arrival_time), countIf(substring(toString(m.id), 15, 1) != '7'),"
                + " countIf(m.ttft_ms > m.response_time_ms), countIf(m.input_tokens IS NULL) > 0, countIf(m.ttft_ms IS NULL) > 0,"
                + " countIf(m.cached) > 0, uniqExact(m.finish_reason) >= 3, countIf(d.is_success AND m.output_tokens > 0) > 2500"
                + " FROM ModelInference m LEFT JOIN ModelInferenceDetails d ON m.inference_id = d.inference_id SETTINGS join_use_nulls = 1");
        assertThat(calls.get(0)).isBetween(2900L, 3000L);
        assertThat(calls.subList(1, 11)).containsExactly(calls.get(0), 0L, 0L, 0L, 0L, 1L, 1L, 1L, 1L, 1L);
        assertThat(longs(db, "SELECT countIf(is_success AND inference_id NOT IN (SELECT inference_id FROM ModelInference))"
                + " FROM ModelInferenceDetails")).containsExactly(0L);
        assertThat(run.out()).contains("ModelInference rows " + String.format("%,d", calls.get(0)));
    }

    @Test
    void sameSeedGivesTheSameDataAndAnotherSeedOther() throws SQLException {
        DataSource a = TestClickHouse.database("seed_it_a");
        DataSource b = TestClickHouse.database("seed_it_b");
        DataSource c = TestClickHouse.database("seed_it_c");
        for (SeedRun run : List.of(seed("seed_it_a", "--records", "1200", "--seed", "99"),
                seed("seed_it_b", "--records", "1200", "--seed", "99", "--batch-size", "50", "--parallel", "3"),
                seed("seed_it_c", "--records", "1200", "--seed", "100"))) {
            assertThat(run.exitCode()).as(run.toString()).isZero();
        }

        String details = "SELECT toString(tuple(* EXCEPT (created_at))) FROM ModelInferenceDetails ORDER BY inference_id";
        String calls = "SELECT toString(tuple(*)) FROM ModelInference ORDER BY id";
        assertThat(strings(a, details)).hasSize(1200).isEqualTo(strings(b, details));
        assertThat(strings(a, calls)).hasSizeGreaterThan(1100).isEqualTo(strings(b, calls));
        assertThat(strings(c, details)).hasSize(1200).doesNotContainAnyElementsOf(strings(a, details));

        // the same seed again into the same database: nothing is stored twice
        SeedRun again = seed("seed_it_a", "--records", "1200", "--seed", "99", "--verify");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("inserted 0, duplicates 1,200, failed 0");
        assertThat(longs(a, "SELECT count(), uniqExact(inference_id) FROM ModelInferenceDetails")).containsExactly(1200L, 1200L);
        assertThat(strings(a, calls)).isEqualTo(strings(b, calls));
    }

    @Test
    void withoutModelInferenceOnlyDetailsAreWritten() throws SQLException {
        DataSource db = TestClickHouse.database("seed_it_nomi");
        SeedRun run = seed("seed_it_nomi", "--records", "400", "--no-model-inference", "--verify");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(longs(db, "SELECT (SELECT count() FROM ModelInferenceDetails), (SELECT count() FROM ModelInference)"))
                .containsExactly(400L, 0L);
        assertThat(run.out()).contains("repeat this data with --seed ");
    }

    @Test
    void opensTheEmbeddedEngineWhenNoClickHouseIsNamed() throws SQLException {
        TestClickHouse.connector();
        DataSource db = TestClickHouse.database("seed_it_embedded");
        Map<String, String> env = new HashMap<>();
        env.put("CLICKHOUSE_EMBEDDED_DATA", System.getProperty("budmetrics.clickhouse.embedded.data-dir", "target/chdb-test-data"));
        env.put("CLICKHOUSE_DB_NAME", "seed_it_embedded");
        if (System.getenv("CHDB_LIBRARY") != null) {
            env.put("CHDB_LIBRARY", System.getenv("CHDB_LIBRARY"));
        }
        SeedRun run = SeedRun.of(env, "--direct-db", "--records", "500", "--days", "2", "--verify");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("embedded ClickHouse");
        assertThat(longs(db, "SELECT count(), countIf(request_arrival_time < now64(3) - INTERVAL 2 DAY - INTERVAL 1 MINUTE)"
                + " FROM ModelInferenceDetails")).containsExactly(500L, 0L);
    }

    static List<Long> longs(DataSource db, String sql) throws SQLException {
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            List<Long> values = new ArrayList<>();
            for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                values.add(rows.getLong(i));
            }
            return values;
        }
    }

    static List<String> strings(DataSource db, String sql) throws SQLException {
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }
}
