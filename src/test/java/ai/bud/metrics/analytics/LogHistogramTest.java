package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.bud.metrics.support.TestClickHouse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
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
     * p50, p95 and p99 of skewed values (zeros, ones and a long tail up to UInt32's maximum), each merged from several
     * partial sketches, lie within 1 % of the order statistic of rank ⌊q·(n−1)⌋ sorted here.
     */
    @Test
    void estimatesLieWithinOnePercentOfTheOrderStatistic() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        long[] values = new long[5000];
        for (int i = 0; i < values.length; i++) {
            int kind = random.nextInt(10);
            values[i] = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? 4_294_967_295L : (long) Math.exp(random.nextDouble() * 16);
        }
        StringBuilder list = new StringBuilder();
        for (long value : values) {
            list.append(list.isEmpty() ? "" : ",").append(value);
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        String[] levels = {"0.5", "0.95", "0.99"};
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < levels.length; i++) {
            sql.append(i == 0 ? "" : ", ").append(LogHistogram.quantile("s", levels[i]));
        }
        // partial sketches of 7 slices, merged as the rollup merges its grains
        sql.append(" FROM (SELECT ").append(LogHistogram.merged("part", "s")).append(" FROM (SELECT ")
                .append(LogHistogram.of("x")).append(" AS part FROM (SELECT toNullable(toUInt32(arrayJoin([").append(list)
                .append("]))) AS x, rowNumberInAllBlocks() % 7 AS slice) GROUP BY slice))");
        try (Connection connection = TestClickHouse.database("log_histogram").getConnection();
                Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql.toString())) {
            assertThat(rows.next()).isTrue();
            for (int i = 0; i < levels.length; i++) {
                double level = Double.parseDouble(levels[i]);
                long expected = sorted[(int) Math.floor(level * (sorted.length - 1))];
                double estimate = rows.getDouble(i + 1);
                assertThat(estimate).as("p" + levels[i]).isCloseTo(expected, within(Math.max(expected * LogHistogram.ACCURACY, 1e-9)));
            }
        }
    }
}
