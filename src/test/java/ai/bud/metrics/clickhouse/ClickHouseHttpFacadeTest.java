package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import com.clickhouse.client.api.internal.ClickHouseLZ4InputStream;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded engine as any ClickHouse HTTP client (curl, clickhouse-jdbc) sees it. */
class ClickHouseHttpFacadeTest {

    private static final HttpClient http = HttpClient.newHttpClient();
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        ClickHouseConnector connector = TestClickHouse.connector();
        base = "http://127.0.0.1:" + connector.port() + "/";
        post("", "DROP DATABASE IF EXISTS facade_it");
        post("", "CREATE DATABASE facade_it");
        post("", "CREATE TABLE facade_it.t (id UInt32, name String) ENGINE = MergeTree ORDER BY id");
    }

    private static HttpResponse<byte[]> get(String query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + query)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> post(String query, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + query)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String q(String sql) {
        return "?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8);
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void answersPingAndPlainQueriesLikeAServer() throws Exception {
        assertThat(text(get("ping"))).isEqualTo("Ok.\n");
        HttpResponse<byte[]> response = get(q("SELECT 1 + 1"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("2\n");
        assertThat(text(post("", "SELECT 'a' AS x FORMAT JSONEachRow"))).isEqualTo("{\"x\":\"a\"}\n");
    }

    @Test
    void honoursTheDatabaseParameterAndHeaderWithoutLeakingIt() throws Exception {
        assertThat(text(get(q("SELECT currentDatabase()") + "&database=facade_it"))).isEqualTo("facade_it\n");
        HttpResponse<byte[]> viaHeader = http.send(HttpRequest.newBuilder(URI.create(base + q("SELECT currentDatabase()")))
                .header("X-ClickHouse-Database", "facade_it").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(text(viaHeader)).isEqualTo("facade_it\n");
        for (int i = 0; i < 8; i++) {
            assertThat(text(get(q("SELECT currentDatabase()")))).isEqualTo("default\n");
        }
    }

    @Test
    void settingsOfOneRequestNeverReachAnother() throws Exception {
        String defaultValue = text(get(q("SELECT getSetting('max_block_size')")));
        assertThat(text(get(q("SELECT getSetting('max_block_size')") + "&max_block_size=1234"))).isEqualTo("1234\n");
        assertThat(post("", "SET max_block_size = 777").statusCode()).isEqualTo(200);
        for (int i = 0; i < 8; i++) {
            assertThat(text(get(q("SELECT getSetting('max_block_size')")))).isEqualTo(defaultValue);
        }
        assertThat(defaultValue).isNotIn("1234\n", "777\n");
    }

    @Test
    void insertsAreSynchronousLikeOnAServerEvenAfterARequestAskedOtherwise() throws Exception {
        assertThat(text(get(q("SELECT getSetting('async_insert')")))).isEqualTo("false\n");
        assertThat(text(get(q("SELECT getSetting('async_insert')") + "&async_insert=1"))).isEqualTo("true\n");
        for (int i = 0; i < 8; i++) {
            assertThat(text(get(q("SELECT getSetting('async_insert')")))).isEqualTo("false\n");
        }
        post("", "CREATE TABLE facade_it.visible (id UInt32) ENGINE = MergeTree ORDER BY id");
        for (int i = 1; i <= 20; i++) {
            assertThat(post("", "INSERT INTO facade_it.visible VALUES (" + i + ")").statusCode()).isEqualTo(200);
            assertThat(text(get(q("SELECT count() FROM facade_it.visible")))).isEqualTo(i + "\n");
        }
    }

    @Test
    void compressesResponsesInClickHouseLz4FramesWhenAsked() throws Exception {
        HttpResponse<byte[]> response = get(q("SELECT number FROM numbers(100000)") + "&compress=1");
        assertThat(response.statusCode()).isEqualTo(200);
        byte[] plain = new ClickHouseLZ4InputStream(new ByteArrayInputStream(response.body()),
                LZ4Factory.fastestInstance().fastDecompressor(), 1 << 20).readAllBytes();
        String[] lines = new String(plain, StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(100_000);
        assertThat(lines[99_999]).isEqualTo("99999");
        assertThat(response.body().length).isLessThan(plain.length);
    }

    @Test
    void insertsDataSentInTheBody() throws Exception {
        HttpResponse<byte[]> insert = post(q("INSERT INTO facade_it.t FORMAT CSV"), "1,\"one\"\n2,\"two, with comma\"\n");
        assertThat(insert.statusCode()).as(text(insert)).isEqualTo(200);
        assertThat(text(get(q("SELECT name FROM facade_it.t WHERE id = 2")))).isEqualTo("two, with comma\n");
    }

    @Test
    void reportsErrorsAsClickHouseDoes() throws Exception {
        HttpResponse<byte[]> response = get(q("SELECT * FROM facade_it.missing"));
        assertThat(response.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(response.headers().firstValue("X-ClickHouse-Exception-Code")).contains("60");
        assertThat(text(response)).startsWith("Code: 60. DB::Exception:").contains("UNKNOWN_TABLE");
        HttpResponse<byte[]> syntax = post("", "SELEC 1");
        assertThat(syntax.statusCode()).isEqualTo(400);
        assertThat(syntax.headers().firstValue("X-ClickHouse-Exception-Code")).contains("62");
    }

    /**
     * Query parameters as ClickHouse's HTTP interface takes them: {@code param_name} beside the query, each value in the
     * escaped text form of its type; none of them leaks into a later request that names the same placeholder.
     */
    @Test
    void bindsQueryParametersAndRefusesAPlaceholderLeftUnset() throws Exception {
        String value = "it's a \\\\back\\\\slash, a \\ttab and ünïcode"; // escaped form: \\ is one backslash, \t a tab
        String expected = "it's a \\back\\slash, a \ttab and ünïcode";
        HttpResponse<byte[]> response = get(q("SELECT {s:String} AS s, {n:Int64} * 2 AS n, toTypeName({n:Int64}) AS t FORMAT JSONEachRow")
                + "&param_s=" + URLEncoder.encode(value, StandardCharsets.UTF_8) + "&param_n=-21");
        assertThat(response.statusCode()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        assertThat(row.get("s").asText()).isEqualTo(expected);
        assertThat(row.get("n").asLong()).isEqualTo(-42);
        assertThat(row.get("t").asText()).isEqualTo("Int64");

        for (int i = 0; i < 4; i++) { // every pooled engine connection: none answers with an earlier request's value
            HttpResponse<byte[]> unset = get(q("SELECT {s:String}"));
            assertThat(unset.statusCode()).isEqualTo(400);
            assertThat(unset.headers().firstValue("X-ClickHouse-Exception-Code")).contains("456");
            assertThat(text(unset)).contains("UNKNOWN_QUERY_PARAMETER");
        }
        // a placeholder's spelling inside a literal or a comment is text, as on a server (a JDBC-bound value is a literal)
        HttpResponse<byte[]> literal = get(q("SELECT '{s:String} {jndi:x}' AS s /* {n:Int64} */ FORMAT JSONEachRow"));
        assertThat(literal.statusCode()).isEqualTo(200);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(literal.body()).get("s").asText()).isEqualTo("{s:String} {jndi:x}");
        HttpResponse<byte[]> mixed = get(q("SELECT '{s:String}', {n:Int64}"));
        assertThat(mixed.statusCode()).isEqualTo(400);
        assertThat(text(mixed)).contains("Substitution `n` is not set");
    }
}
