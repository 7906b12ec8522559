package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.FieldError;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of SPEC section 2 rejects with a 4xx naming the field; hostile strings never get to SQL. */
class AnalyticsRequestRejectionTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-03-15T12:00:00Z"), ZoneOffset.UTC);
    static final String ID = "\"6a0e3c8e-2f4b-4c47-9c1e-0d6f2a1b3c4d\"";
    static final String OK = "\"metrics\":[\"request_count\"],\"from_date\":\"2024-01-01T00:00:00Z\"";
    static final List<String> HOSTILE = List.of("x'; DROP TABLE ModelInferenceDetails; --", "\") OR 1=1 --",
            "SELECT * FROM system.tables", "model\\'); SHOW TABLES; /*", "`; TRUNCATE ModelInference", "{param:String}");

    private final AnalyticsRequestParser parser = new AnalyticsRequestParser(CLOCK);

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("{\"metrics\": [", 400, "body"),
                Arguments.of("[1, 2]", 400, "body"),
                Arguments.of("", 400, "body"),
                Arguments.of("\"text\"", 400, "body"),
                Arguments.of("{" + OK + ", \"metrics\":[\"latency\"]}", 400, "body"),
                Arguments.of("{" + OK + ", \"limit\": 5}", 422, "limit"),
                Arguments.of("{" + OK + ", \"\": 5}", 422, "\"\""),
                Arguments.of("{" + OK + "} garbage", 400, "body"),
                Arguments.of("{" + OK + "}{" + OK + "}", 400, "body"),
                Arguments.of("{" + OK + "}]", 400, "body"),
                Arguments.of("{" + OK + ",\"topk\":NaN}", 400, "body"),
                Arguments.of("{" + OK + ",\"filters\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 400, "body"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":\"2024-03-15T12:00:00.001Z\"}", 422, "from_date"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":\"2100-01-01\"}", 422, "from_date"),
                Arguments.of("{\"from_date\":\"2024-01-01T00:00:00Z\"}", 422, "metrics"),
                Arguments.of("{\"metrics\":[],\"from_date\":\"2024-01-01T00:00:00Z\"}", 422, "metrics"),
                Arguments.of("{\"metrics\":\"request_count\",\"from_date\":\"2024-01-01T00:00:00Z\"}", 422, "metrics"),
                Arguments.of("{\"metrics\":[\"requests\"],\"from_date\":\"2024-01-01T00:00:00Z\"}", 422, "metrics[0]"),
                Arguments.of("{\"metrics\":[\"latency\", 5],\"from_date\":\"2024-01-01T00:00:00Z\"}", 422, "metrics[1]"),
                Arguments.of("{\"metrics\":[\"latency\",\"latency\"],\"from_date\":\"2024-01-01T00:00:00Z\"}", 422, "metrics[1]"),
                Arguments.of("{\"metrics\":[\"latency\"]}", 422, "from_date"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":null}", 422, "from_date"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":\"yesterday\"}", 422, "from_date"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":1704067200}", 422, "from_date"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":\"1900-01-01T00:00:00Z\"}", 422, "from_date"),
                Arguments.of("{" + OK + ",\"to_date\":\"2023-12-31T23:59:59Z\"}", 422, "to_date"),
                Arguments.of("{" + OK + ",\"to_date\":\"soon\"}", 422, "to_date"),
                Arguments.of("{" + OK + ",\"frequency_unit\":\"minute\"}", 422, "frequency_unit"),
                Arguments.of("{" + OK + ",\"frequency_unit\":\"DAY\"}", 422, "frequency_unit"),
                Arguments.of("{" + OK + ",\"frequency_interval\":0}", 422, "frequency_interval"),
                Arguments.of("{" + OK + ",\"frequency_interval\":-2}", 422, "frequency_interval"),
                Arguments.of("{" + OK + ",\"frequency_interval\":1.5}", 422, "frequency_interval"),
                Arguments.of("{" + OK + ",\"frequency_interval\":\"2\"}", 422, "frequency_interval"),
                Arguments.of("{" + OK + ",\"frequency_interval\":10000000000}", 422, "frequency_interval"),
                Arguments.of("{" + OK + ",\"filters\":\"model\"}", 422, "filters"),
                Arguments.of("{" + OK + ",\"filters\":{\"user\":" + ID + "}}", 422, "filters.user"),
                Arguments.of("{" + OK + ",\"filters\":{\"model\":\"not-a-uuid\"}}", 422, "filters.model"),
                Arguments.of("{" + OK + ",\"filters\":{\"model\":[]}}", 422, "filters.model"),
                Arguments.of("{" + OK + ",\"filters\":{\"project\":[" + ID + ", 5]}}", 422, "filters.project"),
                Arguments.of("{" + OK + ",\"filters\":{\"endpoint\":null}}", 422, "filters.endpoint"),
                Arguments.of("{" + OK + ",\"group_by\":\"model\"}", 422, "group_by"),
                Arguments.of("{" + OK + ",\"group_by\":[\"user\"]}", 422, "group_by[0]"),
                Arguments.of("{" + OK + ",\"group_by\":[\"model\",\"model\"]}", 422, "group_by[1]"),
                Arguments.of("{" + OK + ",\"return_delta\":\"yes\"}", 422, "return_delta"),
                Arguments.of("{" + OK + ",\"exact_percentiles\":\"true\"}", 422, "exact_percentiles"),
                Arguments.of("{" + OK + ",\"exact_percentiles\":1}", 422, "exact_percentiles"),
                Arguments.of("{" + OK + ",\"fill_time_gaps\":1}", 422, "fill_time_gaps"),
                Arguments.of("{" + OK + ",\"topk\":0,\"group_by\":[\"model\"]}", 422, "topk"),
                Arguments.of("{" + OK + ",\"topk\":2.5,\"group_by\":[\"model\"]}", 422, "topk"),
                Arguments.of("{" + OK + ",\"topk\":3}", 422, "topk"),
                Arguments.of("{" + OK + ",\"topk\":3,\"group_by\":[]}", 422, "topk"),
                Arguments.of("{" + OK + ",\"topk\":3,\"group_by\":[\"model\"],\"filters\":{\"model\":" + ID + "}}", 422, "topk"),
                Arguments.of("{" + OK + ",\"timezone\":\"Mars/Olympus_Mons\"}", 422, "timezone"),
                Arguments.of("{" + OK + ",\"timezone\":\"+05:00\"}", 422, "timezone"),
                Arguments.of("{" + OK + ",\"timezone\":\"\"}", 422, "timezone"),
                Arguments.of("{" + OK + ",\"timezone\":5}", 422, "timezone"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":\"1970-12-31T23:59:59.999Z\"}", 422, "from_date"),
                Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":\"1971-01-01T00:00:00Z\",\"to_date\":\"2100-01-01T00:00:00Z\","
                        + "\"frequency_unit\":\"hour\"}", 422, "frequency_unit"));
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @MethodSource("rejected")
    void rejects(String body, int status, String field) {
        ApiException error = catchThrowableOfType(ApiException.class, () -> parser.parse(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(error).as("must be rejected").isNotNull();
        assertThat(error.status()).isEqualTo(status);
        assertThat(error.errors()).extracting(FieldError::field).contains(field);
        assertThat(error.getMessage()).isNotBlank();
    }

    @Test
    void aBodyMustBeUtf8() {
        String body = "{" + OK + ",\"timezone\":\"Europe/Berlin\"}";
        List<byte[]> refused = List.of(body.getBytes(StandardCharsets.UTF_16LE), body.getBytes(StandardCharsets.UTF_16BE),
                ("\uFEFF" + body).getBytes(StandardCharsets.UTF_16LE), body.getBytes(java.nio.charset.Charset.forName("UTF-32")),
                body.replace("Europe", "Eur\u00f6pe").getBytes(StandardCharsets.ISO_8859_1), new byte[] {'{', '"', (byte) 0xC0, (byte) 0x80, '"', '}'});
        for (byte[] bytes : refused) {
            ApiException error = catchThrowableOfType(ApiException.class, () -> parser.parse(bytes));
            assertThat(error).as("must be rejected").isNotNull();
            assertThat(error.status()).isEqualTo(400);
            assertThat(error.errors()).extracting(FieldError::field).containsExactly("body");
        }
        assertThat(parser.parse(("\uFEFF" + body).getBytes(StandardCharsets.UTF_8)).timezone()).hasToString("Europe/Berlin");
        assertThat(parser.parse((body + "\n\t \r\n").getBytes(StandardCharsets.UTF_8)).timezone()).hasToString("Europe/Berlin");
    }

    @Test
    void aFutureRangeIsFineWithItsToDate() {
        AnalyticsRequest request = parser.parse(("{\"metrics\":[\"latency\"],\"from_date\":\"2100-01-01\",\"to_date\":\"2100-01-02\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(request.fromDate()).isEqualTo(Instant.parse("2100-01-01T00:00:00Z"));
    }

    @Test
    void jacksonHintsNamingJavaSettingsAreNotPassedOn() {
        ApiException error = catchThrowableOfType(ApiException.class,
                () -> parser.parse(("{" + OK + ",\"topk\":NaN}").getBytes(StandardCharsets.UTF_8)));
        assertThat(error.getMessage()).contains("NaN").doesNotContain("`", "Feature", "enable");
    }

    @Test
    void unknownMetricListsTheValidNames() {
        ApiException error = catchThrowableOfType(ApiException.class,
                () -> parser.parse("{\"metrics\":[\"tokens\"],\"from_date\":\"2024-01-01\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(error.errors().get(0).message()).contains("request_count", "cache", "throughput", "concurrent_requests");
    }

    @Test
    void reportsEveryBrokenFieldAtOnce() {
        ApiException error = catchThrowableOfType(ApiException.class, () -> parser.parse(
                "{\"metrics\":[\"nope\"],\"from_date\":\"x\",\"frequency_unit\":\"minute\",\"timezone\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(error.errors()).extracting(FieldError::field).containsExactly("metrics[0]", "from_date", "frequency_unit", "timezone");
    }

    static Stream<Arguments> hostile() {
        List<Arguments> cases = new ArrayList<>();
        for (String s : HOSTILE) {
            String q = com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s).length > 0
                    ? "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s)) + "\"" : "\"\"";
            cases.add(Arguments.of("{\"metrics\":[" + q + "],\"from_date\":\"2024-01-01T00:00:00Z\"}", "metrics[0]"));
            cases.add(Arguments.of("{\"metrics\":[\"latency\"],\"from_date\":" + q + "}", "from_date"));
            cases.add(Arguments.of("{" + OK + ",\"to_date\":" + q + "}", "to_date"));
            cases.add(Arguments.of("{" + OK + ",\"frequency_unit\":" + q + "}", "frequency_unit"));
            cases.add(Arguments.of("{" + OK + ",\"frequency_interval\":" + q + "}", "frequency_interval"));
            cases.add(Arguments.of("{" + OK + ",\"filters\":{\"model\":" + q + "}}", "filters.model"));
            cases.add(Arguments.of("{" + OK + ",\"filters\":{\"project\":[" + ID + "," + q + "]}}", "filters.project"));
            cases.add(Arguments.of("{" + OK + ",\"filters\":{" + q + ":" + ID + "}}", "filters." + s));
            cases.add(Arguments.of("{" + OK + ",\"group_by\":[" + q + "]}", "group_by[0]"));
            cases.add(Arguments.of("{" + OK + ",\"return_delta\":" + q + "}", "return_delta"));
            cases.add(Arguments.of("{" + OK + ",\"exact_percentiles\":" + q + "}", "exact_percentiles"));
            cases.add(Arguments.of("{" + OK + ",\"fill_time_gaps\":" + q + "}", "fill_time_gaps"));
            cases.add(Arguments.of("{" + OK + ",\"topk\":" + q + ",\"group_by\":[\"model\"]}", "topk"));
            cases.add(Arguments.of("{" + OK + ",\"timezone\":" + q + "}", "timezone"));
            cases.add(Arguments.of("{" + OK + "," + q + ":1}", s));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("hostile")
    void hostileStringsAreRejectedInEveryField(String body, String field) {
        ApiException error = catchThrowableOfType(ApiException.class, () -> parser.parse(body.getBytes(StandardCharsets.UTF_8)));
        assertThat(error).as("must be rejected").isNotNull();
        assertThat(error.status()).isBetween(400, 499);
        assertThat(error.errors()).extracting(FieldError::field).contains(field);
    }

    @Test
    void builderSqlNeverContainsRequestValues() {
        List<String> zones = List.of("Asia/Kolkata", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe");
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 200; i++) {
            UUID a = new UUID(random.nextLong(), random.nextLong());
            UUID b = new UUID(random.nextLong(), random.nextLong());
            String from = "2023-0" + (1 + random.nextInt(9)) + "-1" + random.nextInt(10) + "T0" + random.nextInt(10) + ":17:43.519+03:00";
            String to = "2024-0" + (1 + random.nextInt(9)) + "-2" + random.nextInt(10) + "T13:29:51.873";
            String zone = zones.get(random.nextInt(zones.size()));
            int interval = 7 + random.nextInt(20);
            String unit = List.of("hour", "day", "week", "month", "quarter", "year").get(random.nextInt(6));
            boolean topk = random.nextBoolean();
            String body = "{\"metrics\":[\"latency\",\"request_count\",\"concurrent_requests\"],\"from_date\":\"" + from + "\",\"to_date\":\"" + to
                    + "\",\"frequency_unit\":\"" + unit + "\",\"frequency_interval\":" + interval + ",\"timezone\":\"" + zone + "\","
                    + (topk ? "\"group_by\":[\"model\",\"endpoint\"],\"topk\":" + (1000 + interval)
                            : "\"filters\":{\"model\":[\"" + a + "\",\"" + b + "\"],\"endpoint\":\"" + b + "\"}") + "}";
            AnalyticsRequest request = parser.parse(body.getBytes(StandardCharsets.UTF_8));
            SqlQuery query = new QueryBuilder(CLOCK).build(request);
            assertThat(query.sql()).doesNotContain(a.toString(), b.toString(), zone, from.substring(0, 10), to.substring(0, 10),
                    "2023-", "2024-", String.valueOf(1000 + interval), ":17:43", ":29:51");
            assertThat(query.values()).containsEntry("tz", zone);
            if (topk) {
                assertThat(query.values()).containsEntry("topk", String.valueOf(1000 + interval));
            } else {
                assertThat(query.values().get("model_ids")).contains(a.toString(), b.toString());
                assertThat(query.values()).containsEntry("endpoint_ids", "['" + b + "']");
            }
        }
    }
}
