package ai.bud.metrics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The pure parts of the bench: explain-query output to one statement, example placeholders, statistics. */
class BenchTest {

    @Test
    void inlinesExplainQueryParametersAsTheEngineDoes() {
        String explain = """
                -- SQL
                WITH {a:DateTime64(3, 'UTC')} AS a, {tz:String} AS tz, {n:Int64} AS n
                SELECT a, tz, n WHERE x IN {ids:Array(UUID)}
                -- parameters (sent as param_<name>)
                {a:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
                {tz:String} = it's a \\\\ = b
                {n:Int64} = 86400000
                {ids:Array(UUID)} = ['00000000-0000-4000-8000-00000000000b']
                """;

        assertThat(Bench.substitute(explain)).isEqualTo("""
                WITH _CAST('2024-01-01 00:00:00.000', 'DateTime64(3, \\'UTC\\')') AS a, _CAST('it\\'s a \\\\ = b', 'String') AS tz, \
                _CAST('86400000', 'Int64') AS n
                SELECT a, tz, n WHERE x IN _CAST('[\\'00000000-0000-4000-8000-00000000000b\\']', 'Array(UUID)')
                """);
    }

    @Test
    void refusesOutputThatIsNotExplainQuerysOrDoesNotAddUp() {
        assertThatThrownBy(() -> Bench.substitute("SELECT 1")).isInstanceOf(BenchException.class);
        assertThatThrownBy(() -> Bench.substitute("-- SQL\nSELECT {a:String}, {b:String}\n-- parameters\n{a:String} = x\n"))
                .isInstanceOf(BenchException.class).hasMessageContaining("{b:String}");
        assertThatThrownBy(() -> Bench.substitute("-- SQL\nSELECT {a:String}\n-- parameters\n{a:String} = x\n{b:String} = y\n"))
                .isInstanceOf(BenchException.class).hasMessageContaining("{b:String}");
        assertThatThrownBy(() -> Bench.substitute("-- SQL\nSELECT {a:String}\n-- parameters\n1: x\n"))
                .isInstanceOf(BenchException.class);
    }

    @Test
    void rendersExamplePlaceholdersWithRangesMovedBackLessThanAnHour() {
        Instant before = Instant.now().minusSeconds(1);
        String body = Bench.render("{\"from_date\": \"{{NOW-7d}}\", \"to_date\": \"{{NOW}}\", \"filters\": {\"project\": \"{{PROJECT_ID}}\"}}",
                "p-1", new SplittableRandom(1));

        Matcher m = Pattern.compile("\\{\"from_date\": \"([^\"]+)\", \"to_date\": \"([^\"]+)\", \"filters\": \\{\"project\": \"p-1\"}}").matcher(body);
        assertThat(m.matches()).as(body).isTrue();
        Instant from = LocalDateTime.parse(m.group(1)).toInstant(ZoneOffset.UTC);
        Instant to = LocalDateTime.parse(m.group(2)).toInstant(ZoneOffset.UTC);
        assertThat(to).isAfterOrEqualTo(before.minusSeconds(1));
        Duration back = Duration.between(from, to);
        assertThat(back).isGreaterThanOrEqualTo(Duration.ofDays(7)).isLessThan(Duration.ofDays(7).plusHours(1));
    }

    @Test
    void medianAndNearestRankPercentile() {
        assertThat(Bench.median(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
        assertThat(Bench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        List<Long> sorted = List.of(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
        assertThat(Bench.percentile(sorted, 50)).isEqualTo(50);
        assertThat(Bench.percentile(sorted, 95)).isEqualTo(100);
        assertThat(Bench.percentile(sorted, 99)).isEqualTo(100);
    }
}
