package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import com.clickhouse.client.api.internal.ClickHouseLZ4OutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import com.zaxxer.hikari.HikariDataSource;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The embedded engine's port gives no more than a ClickHouse server's default does (SPEC §6a), checked on the real
 * engine: each hostile request is refused the way ClickHouse refuses (status, {@code X-ClickHouse-Exception-Code},
 * {@code Code: N. DB::Exception: …}), and what it aimed at was not read, written or reached; what stays inside the
 * engine still works.
 */
class EnginePortAccessTest {

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static String base;
    private static int port;
    private static Path outside;
    private static Path secret;
    private static String secretText;
    private static ServerSocket listener;
    private static final AtomicInteger connectionsToListener = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        port = TestClickHouse.connector().port();
        base = "http://127.0.0.1:" + port + "/";
        post("DROP DATABASE IF EXISTS port_it");
        assertThat(post("CREATE DATABASE port_it").statusCode()).isEqualTo(200);
        assertThat(post("CREATE TABLE port_it.t (id UInt32, name String) ENGINE = MergeTree ORDER BY id").statusCode()).isEqualTo(200);
        outside = Files.createTempDirectory("engine-port-outside");
        secretText = "secret-" + UUID.randomUUID();
        secret = Files.writeString(outside.resolve("secret.tsv"), secretText + "\n");
        // anything the engine would reach over the network comes here: it must never get a connection
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try (Socket ignored = listener.accept()) {
                    connectionsToListener.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "port-test-listener");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterAll
    static void stop() throws IOException {
        listener.close();
    }

    /** A request that fails the test rather than hang it when the engine never answers. */
    private static HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
    }

    private static HttpResponse<String> post(String sql) throws Exception {
        return http.send(request(URI.create(base)).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String sql) throws Exception {
        return http.send(request(URI.create(base + "?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, int code, String what) {
        assertThat(response.statusCode()).as(what + ": " + response.body()).isGreaterThanOrEqualTo(400);
        assertThat(response.headers().firstValue("X-ClickHouse-Exception-Code")).as(what).contains(Integer.toString(code));
        assertThat(response.body()).as(what).startsWith("Code: " + code + ". DB::Exception: ");
    }

    private static long count(String table) throws Exception {
        return Long.parseLong(post("SELECT count() FROM " + table).body().strip());
    }

    @Test
    void nothingOutsideTheEngineIsRead() throws Exception {
        String path = secret.toString();
        List<String> reads = List.of(
                "SELECT * FROM file('" + path + "', 'LineAsString')",
                "SELECT * FROM FiLe /*x*/ ('" + path + "', 'LineAsString')",
                "select * from\nfile\n(\n'" + path + "')",
                "SELECT file('" + path + "')",
                "SELECT `file`('" + path + "')",
                "SELECT `\\x66ile`('" + path + "')",
                "SELECT * FROM '" + path + "'",
                "SELECT * FROM `" + path + "`",
                "SELECT * FROM default.`" + path + "`",
                "SELECT * FROM filesystem('" + outside + "')",
                "SELECT * FROM fileCluster('default', '" + path + "')",
                "SELECT * FROM format(Values, 'x String', '(file(''" + path + "''))')",
                "WITH 'Values' AS f SELECT * FROM format(f, 'x String', '(file(''" + path + "''))')",
                "SELECT * FROM sqlite('" + path + "', 't')",
                "SELECT * FROM icebergLocal('" + outside + "')",
                "SELECT * FROM loop(file('" + path + "', 'LineAsString')) LIMIT 1",
                "CREATE TABLE port_it.read_attach (a String) ENGINE = File(LineAsString, '" + path + "')",
                "CREATE DATABASE port_fs ENGINE = Filesystem('" + outside + "')",
                "ATTACH TABLE port_it.attached FROM '" + outside + "' (a String) ENGINE = MergeTree ORDER BY a",
                "CREATE DICTIONARY port_it.d (a String) PRIMARY KEY a SOURCE(FILE(path '" + path + "' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
                "INSERT INTO port_it.t SELECT 1, * FROM file('" + path + "', 'LineAsString')",
                "INSERT INTO port_it.t VALUES (2, file('" + path + "'))",
                "INSERT INTO port_it.t FORMAT Values (3, file('" + path + "'))",
                "INSERT INTO port_it.t (id, name) FROM INFILE '" + path + "' FORMAT TSV");
        for (String sql : reads) {
            HttpResponse<String> response = post(sql);
            assertThat(response.statusCode()).as(sql + ": " + response.body()).isGreaterThanOrEqualTo(400);
            assertThat(response.headers().firstValue("X-ClickHouse-Exception-Code")).as(sql).isPresent();
            assertThat(response.body()).as(sql).startsWith("Code: ").contains("DB::Exception").doesNotContain(secretText);
        }
        // the Values data of an insert whose rows come in the body is read as expressions too
        HttpResponse<String> body = http.send(request(URI.create(base + "?query="
                + URLEncoder.encode("INSERT INTO port_it.t FORMAT Values", StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("(4, file('" + path + "'))")).build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(body, 497, "Values body");
        assertThat(post("SELECT count() FROM port_it.t WHERE name LIKE '%" + secretText + "%'").body()).isEqualTo("0\n");
        assertThat(post("SELECT name FROM system.databases WHERE name = 'port_fs'").body()).isEmpty();
    }

    @Test
    void nothingOutsideTheEngineIsWritten() throws Exception {
        List<String> writes = List.of(
                "INSERT INTO FUNCTION file('" + outside.resolve("w1.tsv") + "', 'TSV', 'a String') VALUES ('x')",
                "INSERT INTO TABLE FUNCTION FILE('" + outside.resolve("w2.tsv") + "', 'TSV', 'a String') SELECT 'x'",
                "SELECT 1 INTO OUTFILE '" + outside.resolve("w3.txt") + "'",
                "CREATE TABLE port_it.f (a String) ENGINE = File(TSV, '" + outside.resolve("w4.tsv") + "')",
                "CREATE TABLE port_it.rocks (a String) ENGINE = EmbeddedRocksDB(0, '" + outside.resolve("w5") + "') PRIMARY KEY a",
                "CREATE TABLE port_it.dyn (a Int) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = local, path = '"
                        + outside.resolve("w6") + "/')",
                "BACKUP TABLE port_it.t TO File('" + outside.resolve("w7") + "')",
                "CREATE TABLE port_it.exe (a String) ENGINE = Executable('x.sh', TSV)");
        for (String sql : writes) {
            HttpResponse<String> response = post(sql);
            assertThat(response.statusCode()).as(sql + ": " + response.body()).isGreaterThanOrEqualTo(400);
            assertThat(response.body()).as(sql).startsWith("Code: ");
        }
        try (Stream<Path> files = Files.list(outside)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret.tsv");
        }
        assertThat(post("SELECT name FROM system.tables WHERE database = 'port_it' ORDER BY name").body()).isEqualTo("t\n");
    }

    @Test
    void noOtherServerIsReachedAndNoProgramRun() throws Exception {
        String target = "127.0.0.1:" + listener.getLocalPort();
        List<String> reaches = List.of(
                "SELECT * FROM url('http://" + target + "/x', 'LineAsString')",
                "SELECT * FROM URL('http://" + target + "/x', 'LineAsString', 'a String')",
                "SELECT * FROM urlCluster('default', 'http://" + target + "/x')",
                "SELECT * FROM remote('" + target + "', system.one)",
                "SELECT * FROM remoteSecure('" + target + "', system.one)",
                "SELECT * FROM cluster('default', system.one)",
                "SELECT * FROM clusterAllReplicas('default', system.one)",
                "SELECT * FROM s3('http://" + target + "/bucket/x.csv', 'CSV', 'a String')",
                "SELECT * FROM s3Cluster('default', 'http://" + target + "/bucket/x.csv')",
                "SELECT * FROM hdfs('hdfs://" + target + "/x', 'TSV', 'a String')",
                "SELECT * FROM mysql('" + target + "', 'db', 't', 'u', 'p')",
                "SELECT * FROM postgresql('" + target + "', 'db', 't', 'u', 'p')",
                "SELECT * FROM mongodb('" + target + "', 'db', 'c', 'u', 'p', 'a String')",
                "SELECT * FROM redis('" + target + "', 'k', 'k String')",
                "SELECT * FROM azureBlobStorage('http://" + target + "/', 'c', 'x.csv')",
                "SELECT * FROM gcs('http://" + target + "/bucket/x.csv')",
                "SELECT * FROM iceberg('http://" + target + "/bucket/t/')",
                "SELECT * FROM deltaLake('http://" + target + "/bucket/t/')",
                "SELECT * FROM hudi('http://" + target + "/bucket/t/')",
                "SELECT * FROM jdbc('jdbc:mysql://" + target + "/db', 't')",
                "SELECT * FROM odbc('DSN=x', 't')",
                "SELECT * FROM executable('cat', 'TSV', 'a String', (SELECT 1))",
                "CREATE TABLE port_it.u (a String) ENGINE = URL('http://" + target + "/x', TSV)",
                "CREATE TABLE port_it.d (a String) ENGINE = Distributed('default', 'system', 'one')",
                "CREATE TABLE port_it.m (a String) ENGINE = MySQL('" + target + "', 'db', 't', 'u', 'p')",
                "CREATE TABLE port_it.p (a String) ENGINE = PostgreSQL('" + target + "', 'db', 't', 'u', 'p')",
                "CREATE TABLE port_it.e (a String) ENGINE = ExecutablePool('x.sh', TSV)",
                "CREATE TABLE port_it.w (a Int) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = web, endpoint = 'http://"
                        + target + "/')",
                "CREATE DICTIONARY port_it.h (a String) PRIMARY KEY a SOURCE(HTTP(url 'http://" + target + "/' format 'TSV'))"
                        + " LAYOUT(FLAT()) LIFETIME(0)");
        for (String sql : reaches) {
            HttpResponse<String> response = post(sql);
            assertThat(response.statusCode()).as(sql + ": " + response.body()).isGreaterThanOrEqualTo(400);
            assertThat(response.body()).as(sql).startsWith("Code: ");
        }
        Thread.sleep(200);
        assertThat(connectionsToListener.get()).isZero();
        assertThat(post("SELECT name FROM system.tables WHERE database = 'port_it' ORDER BY name").body()).isEqualTo("t\n");
    }

    @Test
    void theEngineUserCannotWidenItsOwnRights() throws Exception {
        assertRefused(post("SYSTEM RELOAD DICTIONARIES"), 497, "SYSTEM beyond flushing and caches");
        assertRefused(post("GRANT ALL ON *.* TO default"), 497, "GRANT");
        assertRefused(post("CREATE USER port_intruder"), 497, "CREATE USER");
        // the settings that change how SQL is read, or name files, are fixed
        assertRefused(post("SELECT 1 SETTINGS dialect = 'prql'"), 452, "dialect");
        assertRefused(post("SELECT 1 SETTINGS format_schema = '" + secret + ":M'"), 452, "format_schema");
        assertRefused(http.send(request(URI.create(base + "?dialect=kusto")).POST(HttpRequest.BodyPublishers.ofString("SELECT 1"))
                .build(), HttpResponse.BodyHandlers.ofString()), 452, "dialect as a URL setting");
        // readonly asked for in the URL makes that request read-only, and no pooled connection stays so
        HttpResponse<String> readOnlyInsert = http.send(request(URI.create(base + "?readonly=1"))
                .POST(HttpRequest.BodyPublishers.ofString("INSERT INTO port_it.t VALUES (100, 'ro')")).build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(readOnlyInsert, 164, "readonly=1");
        for (int i = 0; i < 8; i++) {
            assertThat(post("INSERT INTO port_it.t VALUES (" + (200 + i) + ", 'rw')").statusCode()).isEqualTo(200);
        }
        assertThat(post("SELECT count() FROM port_it.t WHERE name = 'rw'").body()).isEqualTo("8\n");
        assertThat(post("SELECT count() FROM port_it.t WHERE name = 'ro'").body()).isEqualTo("0\n");
    }

    @Test
    void whatStaysInsideTheEngineStillWorks() throws Exception {
        // the README's example, as curl sends it (the schema is applied if no earlier test did: it only creates what is missing)
        TestClickHouse.connector().migrate(true, false);
        HttpResponse<String> readme = http.send(request(
                URI.create(base + "?query=SELECT%20count()%20FROM%20bud.ModelInferenceDetails")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(readme.statusCode()).as(readme.body()).isEqualTo(200);
        assertThat(readme.body()).matches("\\d+\n");
        assertThat(get("SELECT 'file(' AS x").body()).isEqualTo("file(\n");
        assertThat(get("SELECT 'it''s file(''/etc/hostname'')'").body()).isEqualTo("it\\'s file(\\'/etc/hostname\\')\n"); // TSV escapes quotes
        assertThat(post("SELECT $$file('/etc/hostname')$$ FORMAT TSVRaw -- file('/etc/hostname')").body()).isEqualTo("file('/etc/hostname')\n");
        assertThat(post("SELECT /* file('/x') */ format('{}-{}', 'a', 'b')").body()).isEqualTo("a-b\n");
        assertThat(post("SELECT * FROM format('JSONEachRow', '{\"a\":1}')").body()).isEqualTo("1\n");
        assertThat(post("SELECT sum(number) FROM numbers(10)").body()).isEqualTo("45\n");
        assertThat(post("INSERT INTO port_it.t VALUES (300, 'file(''x'')'), (301, concat('a', 'b'))").statusCode()).isEqualTo(200);
        assertThat(post("SELECT name FROM port_it.t WHERE id IN (300, 301) ORDER BY id FORMAT TSVRaw").body()).isEqualTo("file('x')\nab\n");
        HttpResponse<String> tsv = http.send(request(URI.create(base + "?query="
                + URLEncoder.encode("INSERT INTO port_it.t FORMAT TabSeparated", StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("302\tfile('/etc/hostname'); SELECT 1\n")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tsv.statusCode()).as(tsv.body()).isEqualTo(200);
        assertThat(post("SELECT name FROM port_it.t WHERE id = 302 FORMAT TSVRaw").body()).isEqualTo("file('/etc/hostname'); SELECT 1\n");
        HttpResponse<String> values = http.send(request(URI.create(base + "?query="
                + URLEncoder.encode("INSERT INTO port_it.t FORMAT Values", StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString("(303, lower('ABC')), (304, 'file(')")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(values.statusCode()).as(values.body()).isEqualTo(200);
        assertThat(post("SELECT name FROM port_it.t WHERE id IN (303, 304) ORDER BY id FORMAT TSVRaw").body()).isEqualTo("abc\nfile(\n");
        // the service's own kinds of statement
        assertThat(post("SYSTEM FLUSH LOGS").statusCode()).isEqualTo(200);
        assertThat(post("KILL QUERY WHERE query_id = 'none' SYNC").statusCode()).isEqualTo(200);
        assertThat(post("OPTIMIZE TABLE port_it.t FINAL").statusCode()).isEqualTo(200);
        assertThat(post("CREATE TABLE port_it.mem (a String) ENGINE = Memory").statusCode()).isEqualTo(200);
        assertThat(post("DROP TABLE port_it.mem").statusCode()).isEqualTo(200);
    }

    @Test
    void oneStatementPerRequestAndNoSessionStateAsOnAServer() throws Exception {
        assertRefused(post("SELECT 1; SELECT * FROM file('" + secret + "')"), 62, "two statements");
        assertRefused(post("SELECT 1; DROP TABLE port_it.t"), 62, "two statements");
        assertThat(post("SELECT count() FROM port_it.t").statusCode()).isEqualTo(200);
        // a USE or SET behind a comment is still only a USE or SET: no connection is left in another database
        assertThat(post("/* switch */ USE system").statusCode()).isEqualTo(200);
        assertThat(post("-- then\nSET max_block_size = 777").statusCode()).isEqualTo(200);
        for (int i = 0; i < 8; i++) {
            assertThat(get("SELECT currentDatabase(), getSetting('max_block_size') = 777").body()).isEqualTo("default\t0\n");
        }
    }

    @Test
    void aGetRequestOnlyReads() throws Exception {
        long before = count("port_it.t");
        assertRefused(get("INSERT INTO port_it.t VALUES (400, 'via GET')"), 164, "GET insert");
        assertRefused(get("/* x */ DROP TABLE port_it.t"), 164, "GET drop");
        assertRefused(get("TRUNCATE TABLE port_it.t"), 164, "GET truncate");
        assertThat(count("port_it.t")).isEqualTo(before);
        assertThat(get("SHOW TABLES FROM port_it").statusCode()).isEqualTo(200);
    }

    @Test
    void webPagesAreNotServed() throws Exception {
        long before = count("port_it.t");
        // what a page's <form enctype="text/plain"> or fetch(…, {mode: "no-cors"}) sends
        HttpResponse<String> form = http.send(request(URI.create(base)).header("Origin", "http://evil.example")
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("INSERT INTO port_it.t VALUES (500, 'from a page')"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(form, 497, "Origin");
        assertThat(form.statusCode()).isEqualTo(403);
        HttpResponse<String> nullOrigin = http.send(request(URI.create(base)).header("Origin", "null")
                .POST(HttpRequest.BodyPublishers.ofString("INSERT INTO port_it.t VALUES (501, 'sandboxed')")).build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(nullOrigin, 497, "Origin: null");
        // an <img src> or link: no Origin, but Sec-Fetch-Site
        HttpResponse<String> image = http.send(request(URI.create(base + "?query=SELECT%201"))
                .header("Sec-Fetch-Site", "cross-site").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(image, 497, "Sec-Fetch-Site");
        // a URL typed into the address bar is served
        HttpResponse<String> typed = http.send(request(URI.create(base + "?query=SELECT%201"))
                .header("Sec-Fetch-Site", "none").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(typed.body()).isEqualTo("1\n");
        // a page whose name was re-pointed at 127.0.0.1 (DNS rebinding) names itself in Host
        String rebound = raw(port, "evil.example:" + port, "", -1, "INSERT INTO port_it.t VALUES (502, 'rebound')");
        assertThat(rebound).startsWith("HTTP/1.1 403").containsIgnoringCase("X-ClickHouse-Exception-Code: 497");
        assertThat(raw(port, "localhost:" + port, "", -1, "SELECT 7")).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n7\n");
        assertThat(raw(port, "127.0.0.1", "", -1, "SELECT 8")).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n8\n");
        assertThat(count("port_it.t")).isEqualTo(before);
    }

    @Test
    void bodiesAreCappedAndCredentialsCheckedWhenConfigured() throws Exception {
        ClickHouseProperties shared = TestClickHouse.connector().properties();
        ClickHouseProperties.Embedded embedded = shared.embedded();
        long cap = 1024 * 1024;
        ClickHouseProperties locked = new ClickHouseProperties(null, shared.port(), "port_it", "default", "", 1, Duration.ofMillis(100), 2,
                shared.queryTimeout(), false, false, new ClickHouseProperties.Embedded(embedded.dataDir(), 0, embedded.library(),
                        embedded.connections(), "port_user", "s3cret pass:word", DataSize.ofBytes(cap)));
        assertThat(locked.clientUser()).isEqualTo("port_user");
        // a second port on the same engine, started as the service starts its own
        try (ClickHouseConnector connector = ClickHouseConnector.start(locked)) {
            connector.awaitReachable();
            String url = "http://127.0.0.1:" + connector.port() + "/";
            HttpRequest.Builder select = request(URI.create(url + "?query=SELECT%2042"));

            HttpResponse<String> none = http.send(select.copy().GET().build(), HttpResponse.BodyHandlers.ofString());
            assertRefused(none, 516, "no credentials");
            assertThat(none.statusCode()).isEqualTo(401);
            assertRefused(http.send(select.copy().header("X-ClickHouse-User", "port_user").header("X-ClickHouse-Key", "wrong").GET().build(),
                    HttpResponse.BodyHandlers.ofString()), 516, "wrong password");
            assertRefused(http.send(request(URI.create(url + "?query=SELECT%2042&user=default&password="
                    + URLEncoder.encode("s3cret pass:word", StandardCharsets.UTF_8))).GET().build(), HttpResponse.BodyHandlers.ofString()),
                    516, "wrong user");
            String basic = "Basic " + Base64.getEncoder().encodeToString("port_user:s3cret pass:word".getBytes(StandardCharsets.UTF_8));
            for (HttpRequest request : List.of(select.copy().header("Authorization", basic).GET().build(),
                    select.copy().header("X-ClickHouse-User", "port_user").header("X-ClickHouse-Key", "s3cret pass:word").GET().build(),
                    request(URI.create(url + "?query=SELECT%2042&user=port_user&password="
                            + URLEncoder.encode("s3cret pass:word", StandardCharsets.UTF_8))).GET().build())) {
                assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("42\n");
            }
            assertThat(http.send(request(URI.create(url + "ping")).GET().build(), HttpResponse.BodyHandlers.ofString()).body())
                    .isEqualTo("Ok.\n");
            // the service's own pool connects with them
            try (HikariDataSource pool = connector.createDataSource(); Connection connection = pool.getConnection();
                    Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("SELECT count() FROM t")) {
                assertThat(rows.next()).isTrue();
            }

            // a body declared larger than the cap is refused before it is read
            String declared = raw(connector.port(), "127.0.0.1:" + connector.port(), "Authorization: " + basic + "\r\n", 300_000_000L,
                    "SELECT 1");
            assertThat(declared).startsWith("HTTP/1.1 413").containsIgnoringCase("X-ClickHouse-Exception-Code: 229")
                    .contains("Code: 229. DB::Exception:");
            // one sent without a length is cut off while it is read
            byte[] tooLong = ("INSERT INTO port_it.t VALUES " + "(1, 'x'),".repeat((int) (cap / 9) + 1) + "(1, 'x')").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> chunked = http.send(select.copy().uri(URI.create(url)).header("Authorization", basic)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLong))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertRefused(chunked, 229, "chunked body over the cap");
            assertThat(chunked.statusCode()).isEqualTo(413);
            // and so is a small compressed body that inflates beyond it
            ByteArrayOutputStream framed = new ByteArrayOutputStream();
            try (OutputStream lz4 = new ClickHouseLZ4OutputStream(framed, LZ4Factory.fastestInstance().fastCompressor(), 1 << 20)) {
                lz4.write(new byte[(int) cap + 1000]);
            }
            assertThat(framed.size()).isLessThan((int) cap / 10);
            HttpResponse<String> inflated = http.send(request(URI.create(url + "?decompress=1&query="
                    + URLEncoder.encode("INSERT INTO port_it.t FORMAT RowBinary", StandardCharsets.UTF_8))).header("Authorization", basic)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(framed.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
            assertRefused(inflated, 229, "compressed body over the cap");
            // below the cap an insert goes through
            long before = count("port_it.t");
            String rows = "900000\tunder the cap\n".repeat(20_000);
            assertThat(rows.length()).isLessThan((int) cap);
            HttpResponse<String> under = http.send(request(URI.create(url + "?query="
                    + URLEncoder.encode("INSERT INTO port_it.t FORMAT TSV", StandardCharsets.UTF_8))).header("Authorization", basic)
                    .POST(HttpRequest.BodyPublishers.ofString(rows)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(under.statusCode()).as(under.body()).isEqualTo(200);
            assertThat(count("port_it.t")).isEqualTo(before + 20_000);
        }
        // the shared port is still open without credentials
        assertThat(get("SELECT 1").body()).isEqualTo("1\n");
    }

    /**
     * A POST written byte by byte (Host and Content-Length are not the client's to choose in java.net.http), with
     * {@code declaredLength} as its Content-Length (-1: the body's).
     */
    private static String raw(int port, String host, String extraHeaders, long declaredLength, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST / HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "Content-Length: "
                + (declaredLength < 0 ? bytes.length : declaredLength) + "\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            socket.shutdownOutput(); // a body shorter than declared ends here
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
