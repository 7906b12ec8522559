package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ResultShaperTest {

    @Test
    void deltaPercentTurnsNaNIntoZeroAndInfinityIntoHundred() {
        assertThat(ResultShaper.percent(0.0, 0.0)).isEqualTo(0.0);
        assertThat(ResultShaper.percent(5.0, 0.0)).isEqualTo(100.0);
        assertThat(ResultShaper.percent(-5.0, 0.0)).isEqualTo(-100.0);
        assertThat(ResultShaper.percent(100.0, 900.0)).isEqualTo(11.11);
        assertThat(ResultShaper.percent(-1.0, 3.0)).isEqualTo(-33.33);
    }

    @Test
    void roundsTheExactBinaryValueHalfEvenLikePython() {
        assertThat(ResultShaper.round2(2.675)).isEqualTo(2.67); // 2.675 is 2.67499999… in binary
        assertThat(ResultShaper.round2(0.125)).isEqualTo(0.12); // exact tie: to even
        assertThat(ResultShaper.round2(0.375)).isEqualTo(0.38);
        assertThat(ResultShaper.round2(-1.005)).isEqualTo(-1.0);
    }

    @Test
    void timePeriodIsUtcWithoutZoneAndLocalWithOffsetWithOne() {
        long start = Instant.parse("2024-01-01T18:30:00Z").toEpochMilli();
        assertThat(ResultShaper.timePeriod(start, null)).isEqualTo("2024-01-01T18:30:00");
        assertThat(ResultShaper.timePeriod(start, ZoneId.of("Asia/Kolkata"))).isEqualTo("2024-01-02T00:00:00+05:30");
        assertThat(ResultShaper.timePeriod(start, ZoneId.of("UTC"))).isEqualTo("2024-01-01T18:30:00+00:00");
        assertThat(ResultShaper.timePeriod(Instant.parse("2024-07-01T04:00:00Z").toEpochMilli(), ZoneId.of("America/New_York")))
                .isEqualTo("2024-07-01T00:00:00-04:00");
    }
}
