package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The SPEC's percentile is linear interpolation at position (n-1)*p (numpy's default). ClickHouse's
 * quantileExactInclusive is that function: checked here on the engine against {@link Oracle#percentile} for many
 * sizes (including 1, 2 and more than 8192 values) and several p.
 */
class PercentileFunctionTest {

    @Test
    void quantileExactInclusiveIsTheLinearInterpolatedPercentile() throws Exception {
        DataSource dataSource = TestClickHouse.database("analytics_percentile");
        Random random = new Random(3);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (int n : new int[] {1, 2, 3, 7, 20, 101, 1000, 9000}) {
                List<Double> values = new ArrayList<>();
                StringBuilder array = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    int v = random.nextInt(5000);
                    values.add((double) v);
                    array.append(i == 0 ? "" : ",").append(v);
                }
                for (double p : new double[] {0.5, 0.95, 0.99}) {
                    try (ResultSet rows = statement.executeQuery("SELECT quantileExactInclusive(" + p + ")(x) FROM (SELECT arrayJoin(["
                            + array + "]) AS x)")) {
                        rows.next();
                        assertThat(rows.getDouble(1)).as("n=%d p=%s", n, p).isCloseTo(Oracle.percentile(values, p),
                                org.assertj.core.data.Offset.offset(1e-9));
                    }
                }
            }
        }
    }
}
