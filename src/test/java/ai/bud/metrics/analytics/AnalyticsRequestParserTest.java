package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the parser accepts, and how it normalizes (the normalized record is the cache key). */
class AnalyticsRequestParserTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-03-15T12:00:00Z"), ZoneOffset.UTC);
    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(CLOCK);

    private AnalyticsRequest parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-01-01T05:30:00Z", "2024-01-01T11:00:00+05:30", "2024-01-01T05:30:00", "2024-01-01 05:30:00",
            "2024-01-01T00:30:00-05:00", "2024-01-01T05:30:00.000Z"})
    void acceptsZOffsetsAndNoOffsetAsUtc(String from) {
        assertThat(parse("{\"metrics\":[\"latency\"],\"from_date\":\"" + from + "\"}").fromDate())
                .isEqualTo(Instant.parse("2024-01-01T05:30:00Z"));
    }

    @Test
    void appliesTheDefaults() {
        AnalyticsRequest request = parse("{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\"}");
        assertThat(request.toDate()).isNull();
        assertThat(request.endAt(CLOCK)).isEqualTo(Instant.parse("2024-03-15T12:00:00Z"));
        assertThat(request.frequencyUnit()).isEqualTo(FrequencyUnit.DAY);
        assertThat(request.frequencyInterval()).isNull();
        assertThat(request.filters()).isEmpty();
        assertThat(request.groupBy()).isEmpty();
        assertThat(request.returnDelta()).isTrue();
        assertThat(request.fillTimeGaps()).isTrue();
        assertThat(request.topk()).isNull();
        assertThat(request.timezone()).isNull();
        assertThat(request.exactPercentiles()).isFalse();
        assertThat(request.reachesPresent(CLOCK)).isTrue();
    }

    /** exact_percentiles is part of the cache key (the answers may differ within the sketch's error); null means false. */
    @Test
    void exactPercentilesIsPartOfTheKey() {
        String base = "{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\"";
        assertThat(parse(base + ",\"exact_percentiles\":true}")).isNotEqualTo(parse(base + "}"))
                .extracting(AnalyticsRequest::exactPercentiles).isEqualTo(true);
        assertThat(parse(base + ",\"exact_percentiles\":false}")).isEqualTo(parse(base + ",\"exact_percentiles\":null}"))
                .isEqualTo(parse(base + "}"));
    }

    @Test
    void emptyFiltersAndGroupByMeanNoneAndNullsMeanDefaults() {
        AnalyticsRequest plain = parse("{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-02-01T00:00:00Z\"}");
        AnalyticsRequest empty = parse("{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"to_date\":\"2024-02-01T00:00:00Z\","
                + "\"filters\":{},\"group_by\":[],\"return_delta\":null,\"frequency_unit\":null,\"timezone\":null}");
        assertThat(empty).isEqualTo(plain).hasSameHashCodeAs(plain);
        assertThat(plain.reachesPresent(CLOCK)).isFalse();
    }

    @Test
    void equalRequestsAreEqualKeys() {
        String a = "6a0e3c8e-2f4b-4c47-9c1e-0d6f2a1b3c4d";
        String b = "0b0e3c8e-2f4b-4c47-9c1e-0d6f2a1b3c4d";
        AnalyticsRequest one = parse("{\"metrics\":[\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\",\"filters\":{\"model\":[\"" + a + "\",\"" + b
                + "\"],\"project\":\"" + a + "\"}}");
        AnalyticsRequest two = parse("{\"filters\":{\"project\":[\"" + a.toUpperCase() + "\"],\"model\":[\"" + b + "\",\"" + a + "\",\"" + b
                + "\"]},\"from_date\":\"2024-01-01T01:00:00+01:00\",\"metrics\":[\"latency\"]}");
        assertThat(one).isEqualTo(two);
        assertThat(one.filters().get(Dimension.MODEL)).containsExactly(UUID.fromString(b), UUID.fromString(a));
    }

    @Test
    void keepsTheRequestedOrderOfMetricsAndGroupBy() {
        AnalyticsRequest request = parse("{\"metrics\":[\"ttft\",\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\","
                + "\"group_by\":[\"endpoint\",\"model\"],\"topk\":2,\"timezone\":\"Europe/Berlin\",\"frequency_interval\":3,"
                + "\"frequency_unit\":\"month\"}");
        assertThat(request.metrics()).containsExactly("ttft", "request_count");
        assertThat(request.groupBy()).containsExactly(Dimension.ENDPOINT, Dimension.MODEL);
        assertThat(request.timezone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(request.aligned()).isTrue();
        assertThat(List.of(request.topk(), request.frequencyInterval())).containsExactly(2, 3);
    }
}
