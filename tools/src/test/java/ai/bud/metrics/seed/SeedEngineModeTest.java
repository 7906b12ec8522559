package ai.bud.metrics.seed;

import static ai.bud.metrics.seed.SeedDirectModeTest.longs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.bud.metrics.support.TestClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine-side mode on the real engine: the stored rows are checked against the distribution contract of the Java
 * generator (catalog relations, shares, ids shared by both tables), with expectations computed here from the catalog of
 * the seed and the generator's constants, and for determinism across chunk sizes.
 */
class SeedEngineModeTest {

    private static final long SEED = 424242;
    private static final int RECORDS = 200_000;

    private static String clickhouseUrl;
    private static DataSource db;

    @BeforeAll
    static void load() {
        clickhouseUrl = "http://127.0.0.1:" + TestClickHouse.connector().port();
        db = TestClickHouse.database("seed_engine_a");
        // in four inserts, so that a day's requests lie in several parts until the seeder merges them
        SeedRun run = seed("seed_engine_a", SEED, "--verify", "--batch-size", "50000");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("inserted 200,000").doesNotContain("MISMATCH")
                .contains("merged the parts of InferenceSecondCountsDaily");
    }

    /** After the load each (series, day) of the per-day maps is one row, whose map holds the day's per-second counts. */
    @Test
    void thePerDayMapsAreMergedAfterTheLoad() throws SQLException {
        assertThat(longs(db, "SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'InferenceSecondCountsDaily'"
                + " AND active")).isEqualTo(longs(db, "SELECT uniqExact(partition) FROM system.parts WHERE database = currentDatabase()"
                        + " AND table = 'InferenceSecondCountsDaily' AND active"));
        assertThat(longs(db, "SELECT count(), uniqExact(project_id, model_id, endpoint_id, grain) FROM InferenceSecondCountsDaily"))
                .satisfies(c -> assertThat(c.get(0)).isEqualTo(c.get(1)));
        assertThat(longs(db, "SELECT sum(arraySum(second_counts.2)) FROM InferenceSecondCountsDaily")).containsExactly((long) RECORDS);
    }

    private static SeedRun seed(String database, long seed, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--engine", "--clickhouse-url", clickhouseUrl, "--database", database,
                "--from", "2025-01-01", "--to", "2026-01-01", "--projects", "150", "--models", "20", "--records",
                String.valueOf(RECORDS), "--seed", String.valueOf(seed)));
        args.addAll(List.of(extra));
        return SeedRun.of(args.toArray(String[]::new));
    }

    @Test
    void catalogRelationsAreThoseOfTheSeed() throws SQLException {
        Catalog catalog = Catalog.generate(new SplittableRandom(SEED), 150, 20);
        Set<String> expected = new HashSet<>();
        catalog.endpoints().forEach(e -> expected.add(e.id() + "|" + e.project().id() + "|" + e.model().id()));
        Set<String> stored = new HashSet<>(strings("SELECT DISTINCT concat(toString(endpoint_id), '|', toString(project_id), '|',"
                + " toString(model_id)) FROM ModelInferenceDetails"));
        assertThat(expected).containsAll(stored);
        assertThat(stored.size()).isGreaterThan(250);
        assertThat(longs(db, "SELECT max(m), max(p) FROM (SELECT endpoint_id, uniqExact(model_id) m, uniqExact(project_id) p"
                + " FROM ModelInferenceDetails GROUP BY endpoint_id)")).containsExactly(1L, 1L);
        // the busiest project's share, expected from the catalog's weights (project weight x endpoint weight)
        double total = catalog.endpoints().stream().mapToDouble(e -> e.project().weight() * e.weight()).sum();
        double first = catalog.endpoints().stream().filter(e -> e.project() == catalog.projects().get(0))
                .mapToDouble(e -> e.project().weight() * e.weight()).sum() / total;
        long firstRows = longs(db, "SELECT count() FROM ModelInferenceDetails WHERE project_id = '" + catalog.projects().get(0).id() + "'")
                .get(0);
        assertThat(firstRows / (double) RECORDS).isCloseTo(first, within(first * 0.05));
    }

    @Test
    void bothTablesHoldTheSameInferences() throws SQLException {
        List<Long> counts = longs(db, "SELECT count(), uniqExact(inference_id),"
                + " countIf(is_success OR status_code IN (500, 503, 504, 400)) FROM ModelInferenceDetails");
        assertThat(counts.subList(0, 2)).containsExactly((long) RECORDS, (long) RECORDS);
        List<Long> calls = longs(db, "SELECT count(), uniqExact(m.inference_id), countIf(d.inference_id IS NULL),"
                + " countIf(UUIDv7ToDateTime(m.id) != d.request_arrival_time), countIf(m.ttft_ms > m.response_time_ms),"
                + " countIf(d.status_code IN (429, 401)), countIf(m.model_name = '' OR m.raw_request NOT LIKE concat('{\"model\":\"', m.model_name, '%'))"
                + " FROM ModelInference m LEFT JOIN ModelInferenceDetails d ON m.inference_id = d.inference_id SETTINGS join_use_nulls = 1");
        assertThat(calls).containsExactly(counts.get(2), counts.get(2), 0L, 0L, 0L, 0L, 0L);
    }

    @Test
    void sharesMatchTheGenerator() throws SQLException {
        List<Long> d = longs(db, "SELECT countIf(is_success), countIf(request_ip IS NOT NULL), countIf(api_key_id IS NOT NULL),"
                + " countIf(is_success AND response_analysis IS NOT NULL), countIf(status_code = 429), countIf(NOT is_success),"
                + " countIf(toHour(request_arrival_time) = 10), countIf(toHour(request_arrival_time) = 3),"
                + " countIf(request_arrival_time < '2025-01-01' OR request_arrival_time >= '2026-01-01'),"
                + " countIf(is_success AND cost IS NULL), countIf(NOT is_success AND cost IS NOT NULL) FROM ModelInferenceDetails");
        double n = RECORDS;
        assertThat(d.get(0) / n).isCloseTo(InferenceGenerator.SUCCESS_SHARE, within(0.003));
        assertThat(d.get(1) / n).isCloseTo(InferenceGenerator.IP_SHARE, within(0.006));
        assertThat(d.get(2) / n).isCloseTo(InferenceGenerator.KEY_SHARE, within(0.006));
        assertThat(d.get(3) / (double) d.get(0)).isCloseTo(0.5, within(0.008));
        assertThat(d.get(4) / (double) d.get(5)).isCloseTo(InferenceGenerator.FAILURES.get(0).weight(), within(0.03));
        double hourly = InferenceGenerator.HOURLY[10] / InferenceGenerator.HOURLY[3];
        assertThat(d.get(6) / (double) d.get(7)).isCloseTo(hourly, within(hourly * 0.1));
        assertThat(d.subList(8, 11)).containsExactly(0L, 0L, 0L);
        List<Long> m = longs(db, "SELECT count(), countIf(cached), countIf(finish_reason = 'length'), countIf(ttft_ms IS NULL)"
                + " FROM ModelInference m JOIN ModelInferenceDetails d USING (inference_id) WHERE d.is_success");
        assertThat(m.get(1) / (double) m.get(0)).isCloseTo(InferenceGenerator.CACHED_SHARE, within(0.006));
        assertThat(m.get(2)).isPositive();
        assertThat(m.get(3) / (double) m.get(0)).isCloseTo(0.1, within(0.006));
    }

    @Test
    void aSeedGivesTheSameRowsWhateverTheChunksAndAnotherSeedOthers() throws SQLException {
        TestClickHouse.database("seed_engine_b");
        TestClickHouse.database("seed_engine_c");
        assertThat(seed("seed_engine_b", SEED, "--batch-size", "70000", "--parallel", "2").exitCode()).isZero();
        assertThat(seed("seed_engine_c", SEED + 1, "--batch-size", "70000").exitCode()).isZero();
        String details = "SELECT groupBitXor(cityHash64(toString(tuple(* EXCEPT (created_at))))) FROM %s.ModelInferenceDetails";
        String calls = "SELECT groupBitXor(cityHash64(toString(tuple(*)))) FROM %s.ModelInference";
        assertThat(strings(details.formatted("seed_engine_b"))).isEqualTo(strings(details.formatted("seed_engine_a")));
        assertThat(strings(calls.formatted("seed_engine_b"))).isEqualTo(strings(calls.formatted("seed_engine_a")));
        assertThat(longs(db, "SELECT count() FROM seed_engine_c.ModelInferenceDetails WHERE inference_id IN"
                + " (SELECT inference_id FROM seed_engine_a.ModelInferenceDetails)")).containsExactly(0L);
        // a seed loads once into a database
        SeedRun again = seed("seed_engine_a", SEED);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already holds 200,000 rows");
    }

    private static List<String> strings(String sql) throws SQLException {
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new java.util.ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }
}
