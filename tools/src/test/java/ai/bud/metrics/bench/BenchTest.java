package ai.bud.metrics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The pure parts of the bench: explain-query output to one statement, example placeholders, statistics, RowBinary rows. */
class BenchTest {

    /** A count of 0 clients or senders is refused before anything starts (it used to leave the tool hanging). */
    @Test
    void refusesZeroClientsOrSendersNamingTheOption() {
        for (String option : List.of("--clients", "--ingest-senders", "--ingest-batch")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = BenchCommand.run(new String[] {"--url", "http://127.0.0.1:1", "--clickhouse-url", "http://127.0.0.1:1",
                    "--heavy-request", "h.json", "--heavy-sql", "h.sql", "--examples", "x", option, "0"}, Map.of(),
                    new java.io.PrintStream(out, true, StandardCharsets.UTF_8), new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).as(option).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains(option + " must be at least 1, got 0");
        }
    }

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

    /**
     * The targets judged follow the table's size: at 1M rows issue 6's heavy-call shape, the mix's 100 requests/s, the
     * ingest ratios and the stream's rate; at 100M (10M rows and more) issue 13's heavy call within 1.5 s and mix p95
     * within 1 s with no error, and none of the 1M-only rows.
     */
    @Test
    void judgesTheTargetsOfTheTablesSize() {
        assertThat(Scale.of(200_000)).isEqualTo(Scale.ONE_MILLION);
        assertThat(Scale.of(9_999_999)).isEqualTo(Scale.ONE_MILLION);
        assertThat(Scale.of(10_000_000)).isEqualTo(Scale.HUNDRED_MILLION);
        assertThat(Scale.of(100_000_000)).isEqualTo(Scale.HUNDRED_MILLION);

        BenchCommand.Report small = judged(Scale.ONE_MILLION, 1_101e6, 0, 300, 18.6, 1_188e6, 41_345.0, 39_058.0, 116_613.0, 33_219.0);
        assertThat(small.targets).extracting(t -> t[0] + " | " + t[2]).containsExactly(
                "heavy call end to end < 1 s | **missed**",
                "zero errors under the mix | **met**",
                "dashboard mix >= 100 requests/s and p95 <= 300 ms | **missed**",
                "ingest over HTTP bulk >= 50,000 events/s | **missed**",
                "ingest over HTTP bulk >= 0.5 x raw JDBC | **met**",
                "HTTP bulk ingest >= 0.5 x the engine's RowBinary insert | **missed**",
                "ingest from the Redis stream >= 50,000 events/s | **missed**");
        assertThat(shapeJudged(Scale.ONE_MILLION, 294e6, 259e6, 78_643).targets).extracting(t -> t[0] + " | " + t[2]).containsExactly(
                "heavy call server time <= 1.3 x the engine's time for its SQL | **met**",
                "heavy response with br <= 143 KB | **met**");

        BenchCommand.Report large = judged(Scale.HUNDRED_MILLION, 1_101e6, 90, 384, 9.8, 1_776e6, 35_715.0, 45_587.0, 85_229.0, 27_557.0);
        assertThat(large.targets).extracting(t -> t[0] + " | " + t[1] + " | " + t[2]).containsExactly(
                "heavy call end to end <= 1.5 s (at 100M rows) | 1101 ms | **met**",
                "dashboard mix p95 <= 1 s and zero errors (at 100M rows) | 9.8 requests/s, p95 1776 ms, 90 errors in 384 calls | **missed**",
                "ingest over HTTP bulk >= 50,000 events/s (at 100M rows, the rollup fed) | 35,715 events/s | **missed**");
        assertThat(shapeJudged(Scale.HUNDRED_MILLION, 1_029e6, 719e6, 363_528).targets).isEmpty();

        // the same figures on the other side of each bound
        assertThat(judged(Scale.HUNDRED_MILLION, 1_501e6, 0, 300, 20, 999e6, null, null, null, null).targets)
                .extracting(t -> t[2]).containsExactly("**missed**", "**met**", "not measured");
        assertThat(judged(Scale.ONE_MILLION, 999e6, 0, 3_000, 100, 300e6, null, null, null, null).targets)
                .extracting(t -> t[2]).containsExactly("**met**", "**met**", "**met**", "not measured", "not measured", "not measured");
        assertThat(Scale.HUNDRED_MILLION.note(100_000_000)).contains("100M rows").contains("100,000,000");
    }

    /** The heavy call's shape targets one scale judges: server against engine time, and the br answer's size. */
    private static BenchCommand.Report shapeJudged(Scale scale, double serverNanos, double engineNanos, long brBytes) {
        BenchCommand.Report report = new BenchCommand.Report();
        scale.serverRatio(report, serverNanos, engineNanos);
        scale.brSize(report, brBytes);
        return report;
    }

    /** The targets one scale judges for these figures, in the order the bench reports them. */
    private static BenchCommand.Report judged(Scale scale, double heavyNanos, long errors, long calls, double throughput, double p95Nanos,
            Double http, Double jdbc, Double rowBinary, Double stream) {
        BenchCommand.Report report = new BenchCommand.Report();
        scale.heavyCall(report, heavyNanos);
        scale.mix(report, errors, calls, throughput, p95Nanos);
        scale.httpIngest(report, http, jdbc, rowBinary);
        scale.streamIngest(report, stream);
        return report;
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

    @Test
    void encodesTheFloorsColumnsAsClickHouseRowBinary() throws Exception {
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("inference_id", "00112233-4455-6677-8899-aabbccddeeff");
        full.put("project_id", "00000000-0000-0001-0000-000000000002");
        full.put("endpoint_id", "ffffffff-ffff-ffff-ffff-ffffffffffff");
        full.put("model_id", "12345678-9abc-def0-1234-56789abcdef0");
        full.put("is_success", true);
        full.put("request_arrival_time", "2024-01-01T00:00:00.000Z");
        full.put("request_forward_time", "2024-01-01T00:00:00.257Z");
        full.put("cost", 1.5);
        full.put("request_ip", "10.1.2.3");
        full.put("response_analysis", Map.of("sentiment", "positive"));
        full.put("status_code", 200);
        Map<String, Object> empty = new LinkedHashMap<>(full);
        empty.put("is_success", false);
        empty.put("cost", null);
        empty.put("request_ip", null);
        empty.put("response_analysis", null);
        empty.put("status_code", 500);

        byte[] bytes = Bench.rowBinary(List.of(full, empty), new ObjectMapper());

        String uuids = ""
                + "77 66 55 44 33 22 11 00 ff ee dd cc bb aa 99 88" // UUID: high UInt64 LE, then low UInt64 LE
                + "01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00"
                + "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff"
                + "f0 de bc 9a 78 56 34 12 f0 de bc 9a 78 56 34 12";
        String times = "00 f4 51 c2 8c 01 00 00" // DateTime64(3): 1704067200000 ms, Int64 LE
                + "01 f5 51 c2 8c 01 00 00"; // + 257 ms
        String first = uuids
                + "01" // Bool true
                + times
                + "00 00 00 00 00 00 00 f8 3f" // Nullable(Float64) 1.5
                + "00 00 00 00 00 00 00 00 00 00 00 ff ff 0a 01 02 03" // Nullable(IPv6) ::ffff:10.1.2.3, network order
                + "00 18" + hex("{\"sentiment\":\"positive\"}") // Nullable(JSON) as String: LEB128 24, then the text
                + "00 c8 00"; // Nullable(UInt16) 200
        String second = uuids
                + "00" // Bool false
                + times
                + "01" // cost NULL
                + "01" // request_ip NULL
                + "01" // response_analysis NULL
                + "00 f4 01"; // status_code 500
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo((first + second).replace(" ", ""));
    }

    @Test
    void rowBinaryStringLengthIsLeb128() throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("inference_id", "00000000-0000-0000-0000-000000000000");
        row.put("project_id", "00000000-0000-0000-0000-000000000000");
        row.put("endpoint_id", "00000000-0000-0000-0000-000000000000");
        row.put("model_id", "00000000-0000-0000-0000-000000000000");
        row.put("is_success", true);
        row.put("request_arrival_time", "1970-01-01T00:00:00.000Z");
        row.put("request_forward_time", "1970-01-01T00:00:00.001Z");
        row.put("cost", null);
        row.put("request_ip", "::1");
        row.put("response_analysis", Map.of("k", "x".repeat(180))); // {"k":"xxx…"}: 188 bytes = 0xbc 0x01 in LEB128
        row.put("status_code", null);

        byte[] bytes = Bench.rowBinary(List.of(row), new ObjectMapper());

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[64]); // 4 nil UUIDs
        expected.write(HexFormat.of().parseHex("01" // Bool true
                + "0000000000000000" + "0100000000000000" // 0 ms, 1 ms
                + "01" // cost NULL
                + "00" + "00000000000000000000000000000001" // Nullable(IPv6) ::1
                + "00" + "bc01"));
        expected.write(("{\"k\":\"" + "x".repeat(180) + "\"}").getBytes(StandardCharsets.UTF_8));
        expected.write(1); // status_code NULL
        assertThat(bytes).isEqualTo(expected.toByteArray());
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }
}
