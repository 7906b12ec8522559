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
                .contains("merged the parts of InferenceSecondCountsDaily").contains("staged: each chunk into staging tables")
                // where the load's time went, step by step
                .containsPattern("staged load, wall seconds per step summed over the chunks \\(\\d in flight\\): ModelInference generated "
                        + "[0-9.]+ s, ModelInferenceDetails generated [0-9.]+ s, rollup fed with the requests [0-9.]+ s, rollup fed with the "
                        + "pairs [0-9.]+ s, parts attached [0-9.]+ s");
    }

    /**
     * The staged load (no view runs on its inserts) leaves the rollup holding what the views would have fed: every tier
     * is checked against sums computed here from the stored raw rows, and no staging table is left behind.
     */
    @Test
    void theRollupHoldsWhatTheRawRowsGive() throws SQLException {
        assertThat(rollupAgainstRaw("seed_engine_a")).containsExactly(0L, 0L, 0L, 0L);
        assertThat(longs(db, "SELECT count() FROM system.tables WHERE database = 'seed_engine_a' AND name LIKE 'SeedStage%'"))
                .containsExactly(0L);
    }

    /**
     * Per tier, how many of its keys disagree with the raw rows (a key missing on either side counts): the 15-minute
     * rollup (requests, successes, queuing, and the pairs' inferences, tokens, latency sums and counts, cache hits,
     * histogram counts), the daily tier, the per-second counts, and the daily tier by model.
     */
    static List<Long> rollupAgainstRaw(String database) throws SQLException {
        String pairs = "SELECT d.project_id AS p, d.model_id AS m, d.endpoint_id AS e, d.request_arrival_time AS t, i.input_tokens AS it,"
                + " i.output_tokens AS ot, i.response_time_ms AS rt, i.cached AS c FROM %1$s.ModelInferenceDetails AS d"
                + " JOIN %1$s.ModelInference AS i ON i.inference_id = d.inference_id";
        String raw = "SELECT r.k AS k, r.v AS rv, x.v AS xv FROM (SELECT (project_id, model_id, endpoint_id, %2$s) AS k,"
                + " (count(), countIf(is_success), sum(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)))"
                + " AS v FROM %1$s.ModelInferenceDetails GROUP BY k) AS r"
                + " FULL JOIN (SELECT (p, m, e, %3$s) AS k, (count(), sum(ifNull(it, 0)), sum(ifNull(ot, 0)), sum(ifNull(rt, 0)), count(rt),"
                + " countIf(c)) AS v FROM (" + pairs + ") GROUP BY k) AS x ON r.k = x.k";
        String tier = "SELECT (project_id, model_id, endpoint_id, grain) AS k, (sum(requests), sum(successes), sum(queuing_ms)) AS rv,"
                + " (sum(inferences), sum(input_tokens), sum(output_tokens), sum(response_ms_sum), sum(response_ms_count), sum(cached)) AS xv,"
                + " sum(arraySum(response_ms_histogram.2)) AS h FROM %1$s.%2$s GROUP BY k";
        String compare = "SELECT countIf(a.k != b.k OR a.rv != b.rv OR a.xv != b.xv OR b.h != b.xv.5)"
                + " FROM (%s) AS a FULL JOIN (%s) AS b ON a.k = b.k SETTINGS join_use_nulls = 0";
        String quarter = "toDateTime(intDiv(toUnixTimestamp(%s), 900) * 900, 'UTC')";
        String day = "toDateTime(intDiv(toUnixTimestamp(%s), 86400) * 86400, 'UTC')";
        List<Long> out = new java.util.ArrayList<>();
        out.add(longs(db, compare.formatted(raw.formatted(database, quarter.formatted("request_arrival_time"), quarter.formatted("t")),
                tier.formatted(database, "InferenceRollup"))).get(0));
        out.add(longs(db, compare.formatted(raw.formatted(database, day.formatted("request_arrival_time"), day.formatted("t")),
                tier.formatted(database, "InferenceRollupDaily"))).get(0));
        out.add(longs(db, ("SELECT countIf(a.n != b.n) FROM (SELECT project_id, model_id, endpoint_id, toDateTime(request_arrival_time, 'UTC') AS s,"
                + " count() AS n FROM %1$s.ModelInferenceDetails GROUP BY ALL) AS a FULL JOIN (SELECT project_id, model_id, endpoint_id,"
                + " second AS s, sum(requests) AS n FROM %1$s.InferenceSecondCounts GROUP BY ALL) AS b USING (project_id, model_id, endpoint_id, s)")
                .formatted(database)).get(0));
        out.add(longs(db, ("SELECT countIf(a.n != b.n OR a.i != b.i) FROM (SELECT model_id, grain, sum(requests) AS n, sum(inferences) AS i"
                + " FROM %1$s.InferenceRollupDaily GROUP BY ALL) AS a FULL JOIN (SELECT model_id, grain, sum(requests) AS n, sum(inferences) AS i"
                + " FROM %1$s.InferenceRollupDailyByModel GROUP BY ALL) AS b USING (model_id, grain)").formatted(database)).get(0));
        return out;
    }

    /**
     * A view of the operator's own on ModelInferenceDetails: a staged load would pass it by, so the load goes directly
     * into the tables, and both that view and the rollup get every row.
     */
    @Test
    void anotherViewOnTheTablesMakesTheLoadDirect() throws SQLException {
        TestClickHouse.database("seed_engine_d");
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE seed_engine_d.Counted (n UInt64) ENGINE = SummingMergeTree ORDER BY tuple()");
            statement.execute("CREATE MATERIALIZED VIEW seed_engine_d.CountedFromDetails TO seed_engine_d.Counted AS"
                    + " SELECT count() AS n FROM seed_engine_d.ModelInferenceDetails");
        }
        SeedRun run = SeedRun.of("--engine", "--clickhouse-url", clickhouseUrl, "--database", "seed_engine_d", "--from", "2025-06-01",
                "--to", "2025-06-08", "--records", "20000", "--batch-size", "7000", "--seed", "7");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("direct: into the tables").doesNotContain("staged load");
        assertThat(longs(db, "SELECT sum(n) FROM seed_engine_d.Counted")).containsExactly(20_000L);
        assertThat(rollupAgainstRaw("seed_engine_d")).containsExactly(0L, 0L, 0L, 0L);
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
        assertThat(rollupAgainstRaw("seed_engine_b")).containsExactly(0L, 0L, 0L, 0L);
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
