package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.support.TestClickHouse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The rollup's percentile sketch on the engine: its estimates against order statistics computed here, and its one text. */
class LogHistogramTest {

    /** Migration 004's view bins ModelInference values with the same expression as a statement's raw edges. */
    @Test
    void theRollupViewBinsAsTheStatementsDo() throws Exception {
        String migration;
        try (InputStream in = getClass().getResourceAsStream("/db/migrations/004_rollups.sql")) {
            migration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(migration).contains(LogHistogram.bin("assumeNotNull(p.ttft_ms)"), LogHistogram.bin("assumeNotNull(p.response_time_ms)"));
    }

    /**
     * p50, p95 and p99 of skewed values (zeros, ones and a long tail up to UInt32's maximum), each sketch merged by the
     * engine from several partial sketches as the rollup merges its grains, returned as the statements return it
     * (RowBinary, decoded by {@link BinaryRows}) and read by {@link LogHistogram#quantile}: within 1 % of the order
     * statistic of rank ⌊q·(n−1)⌋ sorted here. Several value sets, the last of zeros alone; an empty sketch reads NaN.
     */
    @Test
    void estimatesLieWithinOnePercentOfTheOrderStatistic() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        EngineClient engine = new EngineClient(TestClickHouse.database("log_histogram"));
        double[] levels = {0.5, 0.95, 0.99};
        for (int set = 0; set < 6; set++) {
            long[] values = new long[set == 5 ? 40 : 1 + random.nextInt(5000)];
            for (int i = 0; i < values.length; i++) {
                int kind = random.nextInt(10);
                values[i] = set == 5 || kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? 4_294_967_295L : (long) Math.exp(random.nextDouble() * 16);
            }
            StringBuilder list = new StringBuilder();
            for (long value : values) {
                list.append(list.isEmpty() ? "" : ",").append(value);
            }
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            String sql = "SELECT " + LogHistogram.merged("part", "s") + ", " + LogHistogram.EMPTY + " AS empty FROM (SELECT "
                    + LogHistogram.of("x") + " AS part FROM (SELECT toNullable(toUInt32(arrayJoin([" + list
                    + "]))) AS x, rowNumberInAllBlocks() % 7 AS slice) GROUP BY slice)";
            try (InputStream answer = engine.queryRowBinary(sql, Map.of())) {
                BinaryRows rows = BinaryRows.open(answer);
                assertThat(rows.next()).isTrue();
                for (double level : levels) {
                    long expected = sorted[(int) Math.floor(level * (sorted.length - 1))];
                    assertThat(rows.getQuantile(1, level)).as("set %d, p%s of %d values", set, level, values.length)
                            .isCloseTo(expected, within(Math.max(expected * LogHistogram.ACCURACY, 1e-9)));
                    assertThat(rows.getQuantile(2, level)).isNaN();
                }
                assertThat(rows.next()).isFalse();
            }
        }
    }

    /**
     * The service reads a percentile from a sketch by the rule the statements used to apply in SQL: on the same merged
     * sketches, the engine's evaluation of that rule (written here) and {@link LogHistogram#quantile} agree to the last
     * bit but for the engine's and Java's {@code pow}, at most one unit in the last place apart.
     */
    @Test
    void readsTheQuantileAsTheEngineComputesTheSameRule() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        EngineClient engine = new EngineClient(TestClickHouse.database("log_histogram"));
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            list.append(list.isEmpty() ? "" : ",").append("(").append(random.nextInt(300)).append(",")
                    .append(random.nextInt(20) == 0 ? 0 : (long) Math.exp(random.nextDouble() * 12)).append(")");
        }
        String rule = "arrayElement(arrayMap(b -> if(b < 0, 0, 2 * pow((101 / 99), b) / ((101 / 99) + 1)), s.1), "
                + "arrayFirstIndex(c -> c > floor(%s * (arraySum(s.2) - 1)), arrayCumSum(s.2)))";
        String sql = "SELECT g, s, " + rule.formatted("0.95") + " AS p95, " + rule.formatted("0.99") + " AS p99 FROM (SELECT g, "
                + LogHistogram.merged("part", "s") + " FROM (SELECT g, " + LogHistogram.of("x") + " AS part FROM (SELECT t.1 AS g,"
                + " toNullable(toUInt32(t.2)) AS x, rowNumberInAllBlocks() % 5 AS slice FROM (SELECT arrayJoin([" + list + "]) AS t))"
                + " GROUP BY g, slice) GROUP BY g) ORDER BY g";
        int groups = 0;
        try (InputStream answer = engine.queryRowBinary(sql, Map.of())) {
            BinaryRows rows = BinaryRows.open(answer);
            while (rows.next()) {
                groups++;
                for (int level = 0; level < 2; level++) {
                    double engineValue = rows.getDouble(3 + level);
                    double read = rows.getQuantile(2, level == 0 ? 0.95 : 0.99);
                    assertThat(Math.abs(read - engineValue)).as("group %d", groups).isLessThanOrEqualTo(Math.ulp(engineValue));
                }
            }
        }
        assertThat(groups).isEqualTo(300);
    }
}
