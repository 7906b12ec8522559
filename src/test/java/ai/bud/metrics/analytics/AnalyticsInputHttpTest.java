package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What /observability/analytics does with bodies it cannot take (SPEC section 5), over real HTTP on the real engine:
 * a size limit checked before and while reading, strict UTF-8 JSON with nothing after it, no form parsing, capped error
 * lists, a 422 (not an engine error) for a future from_date, and no engine text in any answer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=analytics_input",
        "budmetrics.redis.ingest-enabled=false",
        "budmetrics.web.rate-limit.enabled=false"})
class AnalyticsInputHttpTest {

    static final String VALID = "{\"metrics\":[\"request_count\"],\"from_date\":\"2022-05-01T00:00:00Z\",\"to_date\":\"2022-05-03T00:00:00Z\"}";
    static final int LIMIT = 64 * 1024;
    /** Text that only the engine or the JVM writes: none of it may reach a caller. */
    static final Pattern LEAK = Pattern.compile("DB::Exception|Code: \\d+|Exception|java\\.|at ai\\.bud|/tmp/|SELECT |\\(version \\d");

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Reply(int status, String contentType, String text, JsonNode body, java.net.http.HttpHeaders headers) {
    }

    private Reply post(byte[] body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return reply(response.statusCode(), response.headers(), response.body());
    }

    private Reply post(String body) throws Exception {
        return post(body.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private Reply reply(int status, java.net.http.HttpHeaders headers, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (IOException e) {
            node = null;
        }
        return new Reply(status, headers.firstValue("Content-Type").orElse(""), text, node, headers);
    }

    /** The SPEC section 5 envelope with the status, naming {@code field}, and no engine or Java text. */
    private static void assertError(Reply reply, int status, String field) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/json");
        assertThat(reply.body()).as(reply.text()).isNotNull();
        assertThat(reply.body().get("object").asText()).isEqualTo("error");
        assertThat(reply.body().get("code").asInt()).isEqualTo(status);
        List<String> fields = new ArrayList<>();
        reply.body().path("param").path("errors").forEach(e -> fields.add(e.path("field").asText()));
        assertThat(fields).as(reply.text()).contains(field);
        assertThat(LEAK.matcher(reply.text()).find()).as(reply.text()).isFalse();
    }

    // ---- item 1: the body limit (64 KB by default), before and while reading

    @Test
    void aBodyAtTheLimitIsReadAndOneByteMoreIs413() throws Exception {
        byte[] atLimit = padded(VALID, LIMIT);
        byte[] over = padded(VALID, LIMIT + 1);

        assertThat(post(atLimit, "application/json").status()).isEqualTo(200);
        assertError(post(over, "application/json"), 413, "body");
    }

    /** A declared Content-Length of 300 MB with 1 KB sent: answered at once from the header, nothing waits for the rest. */
    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheBodyIsRead() throws Exception {
        long started = System.nanoTime();
        Reply reply = raw("Content-Length: 300000000\r\n", padded(VALID, 1024), false);
        assertError(reply, 413, "body");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    /** A chunked body (no length) that never ends: the read stops at the limit and is answered, not waited out. */
    @Test
    void aChunkedBodyIsCutAtTheLimitWhileReading() throws Exception {
        Reply reply = raw("Transfer-Encoding: chunked\r\n", chunk(new byte[1024 * 1024]), false);
        assertError(reply, 413, "body");
    }

    @Test
    void theLimitIsCheckedEvenForAContentTypeItWouldRefuse() throws Exception {
        Reply reply = raw("Content-Length: 300000000\r\n", padded(VALID, 1024), true);
        assertThat(reply.status()).isIn(413, 415);
    }

    // ---- item 2: error lists capped at 10 with the total count

    @Test
    void thousandsOfUnknownFieldsGiveTenErrorsAndTheirCount() throws Exception {
        StringBuilder body = new StringBuilder(VALID.substring(0, VALID.length() - 1));
        int unknown = 3000;
        for (int i = 0; i < unknown; i++) {
            body.append(",\"unknown_").append(i).append("\":").append(i);
        }
        body.append('}');
        assertThat(body.length()).isLessThan(LIMIT);

        Reply reply = post(body.toString());

        assertError(reply, 422, "unknown_0");
        assertThat(reply.body().at("/param/errors").size()).isEqualTo(10);
        assertThat(reply.body().at("/param/total_errors").asInt()).isEqualTo(unknown);
        assertThat(reply.text().length()).as("the answer stays small").isLessThan(4096);
    }

    // ---- item 3: a future from_date without to_date is a 422, not an engine error

    @ParameterizedTest
    @CsvSource({"2100-01-01T00:00:00Z", "2105-12-31T00:00:00Z", "2099-06-01"})
    void aFromDateAfterNowWithoutToDateIs422(String from) throws Exception {
        Reply reply = post("{\"metrics\":[\"request_count\"],\"from_date\":\"" + from + "\"}");
        assertError(reply, 422, "from_date");
    }

    @Test
    void aFutureRangeWithItsToDateIsStillAnswered() throws Exception {
        Reply reply = post("{\"metrics\":[\"request_count\"],\"from_date\":\"2100-01-01T00:00:00Z\",\"to_date\":\"2100-01-03T00:00:00Z\"}");
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.body().get("items").size()).isEqualTo(3);
    }

    /** The ends of the accepted range, in the zones furthest east and west, give buckets, not engine errors. */
    @ParameterizedTest
    @CsvSource({"Pacific/Kiritimati, 1971-01-01T00:00:00Z, 1971-01-02T00:00:00Z", "Etc/GMT+12, 1971-01-01T00:00:00Z, 1971-01-02T00:00:00Z",
            "Pacific/Kiritimati, 2105-12-31T00:00:00Z, 2105-12-31T23:59:59.999Z", "Etc/GMT+12, 2105-12-31T00:00:00Z, 2105-12-31T23:59:59.999Z"})
    void theEndsOfTheRangeAreAnsweredInEveryZoneAndUnit(String zone, String from, String to) throws Exception {
        for (String unit : List.of("hour", "day", "week", "month", "quarter", "year")) {
            for (String interval : List.of("", ",\"frequency_interval\":3")) {
                Reply reply = post("{\"metrics\":[\"request_count\",\"latency\"],\"from_date\":\"" + from + "\",\"to_date\":\"" + to
                        + "\",\"frequency_unit\":\"" + unit + "\",\"timezone\":\"" + zone + "\"" + interval + "}");
                assertThat(reply.status()).as(unit + interval + ": " + reply.text()).isEqualTo(200);
                assertThat(reply.body().get("items").size()).as(unit + interval).isPositive();
            }
        }
        assertError(post("{\"metrics\":[\"request_count\"],\"from_date\":\"1970-01-01T00:00:00Z\",\"to_date\":\"1970-01-02T00:00:00Z\","
                + "\"frequency_unit\":\"year\",\"timezone\":\"" + zone + "\"}"), 422, "from_date");
    }

    // ---- item 4: charsets, forms, trailing data

    @Test
    void invalidUtf8Is400() throws Exception {
        byte[] body = VALID.replace("request_count", "request_cou\u00ffnt").getBytes(StandardCharsets.ISO_8859_1);
        assertError(post(body, "application/json"), 400, "body");
        byte[] truncatedSequence = (VALID.substring(0, 20) + "\"x\":\"").getBytes(StandardCharsets.UTF_8);
        byte[] broken = Arrays.copyOf(truncatedSequence, truncatedSequence.length + 3);
        broken[broken.length - 3] = (byte) 0xE2;
        broken[broken.length - 2] = (byte) 0x82;
        broken[broken.length - 1] = '"';
        assertError(post(broken, "application/json"), 400, "body");
    }

    @Test
    void utf16BodiesAre400WhateverTheirMark() throws Exception {
        byte[] withBom = ("\uFEFF" + VALID).getBytes(StandardCharsets.UTF_16BE);
        byte[] littleEndian = VALID.getBytes(StandardCharsets.UTF_16LE);
        assertError(post(withBom, "application/json"), 400, "body");
        assertError(post(littleEndian, "application/json"), 400, "body");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "application/json; charset=utf-16",
            "application/json; charset=UTF-16LE",
            "application/json; charset=iso-8859-1",
            "application/json; charset=no-such-charset",
            "application/json; charset=\"utf-32\""})
    void aCharsetOtherThanUtf8Is415(String contentType) throws Exception {
        assertError(post(VALID.getBytes(StandardCharsets.UTF_8), contentType), 415, "Content-Type");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"application/json; charset=utf-8", "application/json;charset=UTF-8", "application/json"})
    void utf8IsAccepted(String contentType) throws Exception {
        assertThat(post(VALID.getBytes(StandardCharsets.UTF_8), contentType).status()).isEqualTo(200);
    }

    @Test
    void formPostsAre415AndNeverParsed() throws Exception {
        assertError(post("metrics=request_count&from_date=2022-05-01".getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded"), 415, "Content-Type");
        assertError(post("a=%zz&b=%E0%80&%".getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded; charset=utf-8"),
                415, "Content-Type");
        String multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"metrics\"\r\n\r\nrequest_count\r\n--XyZ--\r\n";
        assertError(post(multipart.getBytes(StandardCharsets.UTF_8), "multipart/form-data; boundary=XyZ"), 415, "Content-Type");
        assertError(post(VALID.getBytes(StandardCharsets.UTF_8), "text/plain"), 415, "Content-Type");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {" garbage", "{}", " " + "{\"metrics\":[\"latency\"]}", ",", "]", " 1", " null"})
    void dataAfterTheJsonObjectIs400(String trailing) throws Exception {
        assertError(post(VALID + trailing), 400, "body");
    }

    @Test
    void whitespaceAfterTheJsonObjectIsFine() throws Exception {
        assertThat(post(VALID + " \r\n\t ").status()).isEqualTo(200);
    }

    // ---- item 5: a storage failure is 503 with an error id and no engine text

    @Test
    void aStorageFailureIs503WithAnErrorIdAndNoEngineText() throws Exception {
        Reply reply = post(VALID.replace("request_count", "latency").replace("2022-05-01", "2022-05-02"));
        assertThat(reply.status()).isEqualTo(200);
        // the same query on a table that is gone: the engine answers UNKNOWN_TABLE with the generated SQL in its text
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("RENAME TABLE ModelInference TO ModelInference_hidden");
        }
        try {
            Reply failed = post(VALID.replace("request_count", "latency").replace("2022-05-03", "2022-05-04"));
            assertThat(failed.status()).as(failed.text()).isEqualTo(503);
            assertThat(failed.body().get("object").asText()).isEqualTo("error");
            assertThat(failed.body().at("/param/error_id").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
            assertThat(failed.body().get("message").asText()).contains(failed.body().at("/param/error_id").asText());
            assertThat(failed.headers().firstValue("Retry-After")).isPresent();
            assertThat(LEAK.matcher(failed.text()).find()).as(failed.text()).isFalse();
            assertThat(failed.text()).doesNotContain("ModelInference");
        } finally {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("RENAME TABLE ModelInference_hidden TO ModelInference");
            }
        }
    }

    @Test
    void unknownRoutesAndMethodsNameWhatIsWrong() throws Exception {
        HttpResponse<byte[]> unknown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/nope"))
                .POST(HttpRequest.BodyPublishers.ofString(VALID)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertError(reply(unknown.statusCode(), unknown.headers(), unknown.body()), 404, "path");
        HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/analytics"))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertError(reply(get.statusCode(), get.headers(), get.body()), 405, "method");
    }

    // ---- helpers

    /** {@code json} followed by spaces up to exactly {@code size} bytes. */
    static byte[] padded(String json, int size) {
        byte[] bytes = Arrays.copyOf(json.getBytes(StandardCharsets.UTF_8), size);
        Arrays.fill(bytes, json.length(), size, (byte) ' ');
        return bytes;
    }

    static byte[] chunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Arrays.fill(data, (byte) ' ');
        data[0] = '{';
        out.writeBytes((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * Sends the request line, {@code headers} and {@code body} over a socket and then sends nothing more (the declared
     * or chunked body never ends), so only an answer given before the whole body arrived can come back.
     */
    private Reply raw(String headers, byte[] body, boolean form) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            String head = "POST /observability/analytics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    + (form ? "application/x-www-form-urlencoded" : "application/json") + "\r\n" + headers + "\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            try {
                out.write(body);
                out.flush();
            } catch (IOException closedEarly) {
                // the server may answer and close before taking all of it
            }
            return readResponse(socket.getInputStream());
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no answer within 15 s: the server waits for a body that never ends", e);
        }
    }

    private Reply readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the response head: " + head);
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        java.util.Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        long length = -1;
        boolean chunked = false;
        for (String line : lines) {
            String lower = line.toLowerCase();
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
            }
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                StringBuilder size = new StringBuilder();
                for (int b = in.read(); b != '\n'; b = in.read()) {
                    if (b < 0) {
                        throw new IOException("chunked answer cut short");
                    }
                    if (b != '\r') {
                        size.append((char) b);
                    }
                }
                int n = Integer.parseInt(size.toString().split(";")[0].strip(), 16);
                if (n == 0) {
                    break;
                }
                out.write(in.readNBytes(n));
                in.readNBytes(2);
            }
            body = out.toByteArray();
        } else {
            body = length >= 0 ? in.readNBytes((int) length) : in.readAllBytes();
        }
        return reply(status, java.net.http.HttpHeaders.of(headers, (k, v) -> true), body);
    }
}
