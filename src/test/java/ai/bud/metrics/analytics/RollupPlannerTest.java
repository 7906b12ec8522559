package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which rows answer which request: {@link RollupPlanner}'s requirements, one by one. */
class RollupPlannerTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-03-15T12:34:56.789Z"), ZoneOffset.UTC);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            grain to grain-end, rollup                 | ROLLUP | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-02T23:59:59.999Z"
            to on a boundary: its instant is raw       | MIXED  | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-03T00:00:00Z"
            from inside a grain                        | MIXED  | "from_date":"2024-01-01T00:07:00Z","to_date":"2024-01-02T23:59:59.999Z"
            to_date absent: now                        | MIXED  | "from_date":"2024-03-14T00:00:00Z"
            shorter than a grain                       | RAW    | "from_date":"2024-01-01T00:01:00Z","to_date":"2024-01-01T00:14:00Z"
            two partial grains, no whole one           | RAW    | "from_date":"2024-01-01T00:10:00Z","to_date":"2024-01-01T00:20:00Z"
            aligned hours from a grain                 | ROLLUP | "from_date":"2024-01-01T00:45:00Z","to_date":"2024-01-01T23:44:59.999Z","frequency_unit":"hour","frequency_interval":3
            aligned hours off the grain                | RAW    | "from_date":"2024-01-01T00:40:00Z","to_date":"2024-01-02T00:00:00Z","frequency_unit":"hour","frequency_interval":3
            aligned months off the grain               | RAW    | "from_date":"2024-01-31T12:00:01Z","to_date":"2024-04-01T00:00:00Z","frequency_unit":"month","frequency_interval":1
            India, :30                                 | MIXED  | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-03T00:00:00Z","timezone":"Asia/Kolkata","frequency_unit":"hour"
            Nepal, :45                                 | ROLLUP | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-02T23:59:59.999Z","timezone":"Asia/Kathmandu"
            Chatham Islands, +12:45/+13:45 over DST    | ROLLUP | "from_date":"2024-03-01T00:00:00Z","to_date":"2024-05-01T23:59:59.999Z","timezone":"Pacific/Chatham"
            Liberia 1971, -0:44:30                     | RAW    | "from_date":"1971-06-01T00:00:00Z","to_date":"1971-06-03T00:00:00Z","timezone":"Africa/Monrovia"
            Liberia after 1972, GMT                    | ROLLUP | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-02T23:59:59.999Z","timezone":"Africa/Monrovia"
            exact percentiles asked with latency       | RAW    | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-02T23:59:59.999Z","exact_percentiles":true,"metrics":["request_count","latency"]
            exact percentiles, none asked              | ROLLUP | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-02T23:59:59.999Z","exact_percentiles":true,"metrics":["cache"]
            percentiles from the sketch                | ROLLUP | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-02T23:59:59.999Z","metrics":["ttft"]
            filters, group_by and top-K                | MIXED  | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z","group_by":["model","project"],"topk":2
            """)
    void choosesTheRows(String name, AnswerSource expected, String fields) {
        String body = "{" + (fields.contains("\"metrics\"") ? "" : "\"metrics\":[\"request_count\"],") + fields + "}";
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(body.getBytes(StandardCharsets.UTF_8));
        RollupPlan plan = RollupPlanner.plan(request, request.endAt(CLOCK));
        assertThat(plan.source()).as(name + ": " + plan.reason()).isEqualTo(expected);
        assertThat(new QueryBuilder(CLOCK, 60, true, true).build(request).source()).isEqualTo(expected);
        if (expected != AnswerSource.RAW) {
            assertThat(plan.rollupFrom().toEpochMilli() % RollupPlanner.GRAIN_MILLIS).isZero();
            assertThat(plan.rollupTo().toEpochMilli() % RollupPlanner.GRAIN_MILLIS).isZero();
            assertThat(plan.rollupFrom()).isAfterOrEqualTo(request.fromDate());
            assertThat(plan.rollupTo()).isBeforeOrEqualTo(request.endAt(CLOCK).plusMillis(1));
        } else {
            assertThat(plan.reason()).isNotBlank();
        }
    }

    /** Whole UTC days come from the daily tier only where every bucket boundary is a UTC midnight. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            UTC days with edges                     | 2024-01-02T00:00:00Z | 2024-01-09T00:00:00Z | "from_date":"2024-01-01T05:07:00Z","to_date":"2024-01-09T13:00:00Z"
            calendar weeks                          | 2024-01-01T00:00:00Z | 2024-03-01T00:00:00Z | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-02-29T23:59:59.999Z","frequency_unit":"week"
            aligned 2 days from a UTC midnight      | 2024-01-02T00:00:00Z | 2024-01-20T00:00:00Z | "from_date":"2024-01-02T00:00:00Z","to_date":"2024-01-20T10:15:00Z","frequency_interval":2
            London in winter: offset 0              | 2024-01-02T00:00:00Z | 2024-01-09T00:00:00Z | "from_date":"2024-01-01T05:00:00Z","to_date":"2024-01-09T13:00:00Z","timezone":"Europe/London"
            London over summer time                 |                      |                      | "from_date":"2024-03-01T00:00:00Z","to_date":"2024-04-09T00:00:00Z","timezone":"Europe/London"
            India, :30                              |                      |                      | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-09T00:00:00Z","timezone":"Asia/Kolkata"
            hourly buckets                          |                      |                      | "from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-09T00:00:00Z","frequency_unit":"hour"
            aligned days from 06:00                 |                      |                      | "from_date":"2024-01-01T06:00:00Z","to_date":"2024-01-09T00:00:00Z","frequency_interval":1
            no whole day                            |                      |                      | "from_date":"2024-01-01T05:00:00Z","to_date":"2024-01-02T04:00:00Z"
            """)
    void readsWholeUtcDaysFromTheDailyTier(String name, Instant dayFrom, Instant dayTo, String fields) {
        AnalyticsRequest request = new AnalyticsRequestParser(CLOCK).parse(("{\"metrics\":[\"request_count\"]," + fields + "}")
                .getBytes(StandardCharsets.UTF_8));
        RollupPlan plan = RollupPlanner.plan(request, request.endAt(CLOCK));
        assertThat(plan.usesRollup()).as(name).isTrue();
        assertThat(plan.dayFrom()).as(name).isEqualTo(dayFrom);
        assertThat(plan.dayTo()).as(name).isEqualTo(dayTo);
        String sql = new QueryBuilder(CLOCK, 60, true, true).build(request).sql();
        assertThat(sql.contains("FROM InferenceRollupDaily")).as(name).isEqualTo(dayFrom != null);
        if (dayFrom != null) {
            // the daily span lies within the 15-minute one, which lies within the request's range
            assertThat(dayFrom).isAfterOrEqualTo(plan.rollupFrom());
            assertThat(dayTo).isBeforeOrEqualTo(plan.rollupTo());
        }
    }
}
