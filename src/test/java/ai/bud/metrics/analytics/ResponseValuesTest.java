package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ResponseValuesTest {

    @Test
    void deltaPercentTurnsNaNIntoZeroAndInfinityIntoHundred() {
        assertThat(ResponseValues.percent(0.0, 0.0)).isEqualTo(0.0);
        assertThat(ResponseValues.percent(5.0, 0.0)).isEqualTo(100.0);
        assertThat(ResponseValues.percent(-5.0, 0.0)).isEqualTo(-100.0);
        assertThat(ResponseValues.percent(100.0, 900.0)).isEqualTo(11.11);
        assertThat(ResponseValues.percent(-1.0, 3.0)).isEqualTo(-33.33);
    }

    @Test
    void roundsTheExactBinaryValueHalfEvenLikePython() {
        assertThat(ResponseValues.round2(2.675)).isEqualTo(2.67); // 2.675 is 2.67499999… in binary
        assertThat(ResponseValues.round2(0.125)).isEqualTo(0.12); // exact tie: to even
        assertThat(ResponseValues.round2(0.375)).isEqualTo(0.38);
        assertThat(ResponseValues.round2(-1.005)).isEqualTo(-1.0);
    }

    /**
     * The fast path agrees with the exact rounding of the binary value (BigDecimal, half-even) everywhere: random
     * magnitudes, values a few ulps around every kind of tie, quotients like the delta percentages, and the edges.
     */
    @Test
    void roundingAgreesWithTheExactDecimalRoundingOnMillionsOfValues() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(20261129);
        java.util.function.DoubleConsumer check = x -> assertThat(ResponseValues.round2(x)).as("round2(%s)", x)
                .isEqualTo(new java.math.BigDecimal(x).setScale(2, java.math.RoundingMode.HALF_EVEN).doubleValue() + 0.0);
        for (int i = 0; i < 1_000_000; i++) {
            check.accept((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-6, 12)));
            double tie = (random.nextLong(-100_000_000L, 100_000_000L) + 0.5) / 100; // a decimal tie, as near as a double gets
            long bits = Double.doubleToLongBits(tie) + random.nextInt(-3, 4);
            check.accept(Double.longBitsToDouble(bits));
            check.accept(random.nextInt(-5000, 5000) / (double) random.nextInt(1, 3000) * 100); // delta percentages
        }
        for (double x : new double[] {0.005, 0.015, 0.025, -0.005, 1e-300, -1e-300, 21474836.475, 21474836.485, 21474836.4849,
                2.675, 1.005, 1.115, -2.345, Double.MIN_VALUE, 4.35, 0.285, 9.995, 99.995, 1e15 + 0.3}) {
            check.accept(x);
            check.accept(Math.nextUp(x));
            check.accept(Math.nextDown(x));
        }
    }

    @Test
    void timePeriodIsUtcWithoutZoneAndLocalWithOffsetWithOne() {
        long start = Instant.parse("2024-01-01T18:30:00Z").toEpochMilli();
        assertThat(ResponseValues.timePeriod(start, null)).isEqualTo("2024-01-01T18:30:00");
        assertThat(ResponseValues.timePeriod(start, ZoneId.of("Asia/Kolkata"))).isEqualTo("2024-01-02T00:00:00+05:30");
        assertThat(ResponseValues.timePeriod(start, ZoneId.of("UTC"))).isEqualTo("2024-01-01T18:30:00+00:00");
        assertThat(ResponseValues.timePeriod(Instant.parse("2024-07-01T04:00:00Z").toEpochMilli(), ZoneId.of("America/New_York")))
                .isEqualTo("2024-07-01T00:00:00-04:00");
    }
}
