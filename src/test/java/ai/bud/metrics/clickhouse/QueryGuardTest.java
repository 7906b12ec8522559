package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the embedded engine's port lets client SQL do, read the way the engine reads it (case, whitespace, comments,
 * string literals and quoted names). The engine itself is not needed here: {@link EnginePortAccessTest} sends the
 * same kinds of requests to the real engine and checks that nothing was read or written.
 */
class QueryGuardTest {

    /** What chDB 26.5 lists, in part, plus a name no allowlist knows. */
    private static final QueryGuard GUARD = QueryGuard.forEngine(
            Set.of("file", "url", "numbers", "format", "values", "view", "merge", "loop", "paimon", "icebergS3", "ytsaurus",
                    "someFutureTableFunction"),
            Set.of("MergeTree", "Memory", "File", "URL", "Executable", "ExecutablePool", "EmbeddedRocksDB", "Filesystem", "Atomic",
                    "SomeFutureEngine"));

    private static EngineQueryException refusal(String sql, boolean readOnly) {
        return catchThrowableOfType(EngineQueryException.class, () -> GUARD.check(sql, readOnly));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT * FROM file('/etc/hostname')",
            "SELECT * FROM FiLe /*x*/ ('/etc/hostname')",
            "select * from FILE\n(\n'/etc/hostname', 'LineAsString')",
            "SELECT * FROM -- a comment\n file('/etc/hostname')",
            "SELECT * FROM /* a /* nested */ comment */ file('/etc/hostname')",
            "SELECT * FROM # a comment\n file('/etc/hostname')",
            "SELECT file('/etc/hostname')",
            "SELECT `file`('/etc/hostname')",
            "SELECT \"file\"('/etc/hostname')",
            "SELECT `\\x66ile`('/etc/hostname')",
            "SELECT `fi\\le`('/etc/hostname')",
            "SELECT\u00a0file\u00a0('/etc/hostname')",
            "SELECT 'it''s' AS a, file('/etc/hostname') AS b",
            "SELECT 'a\\'', file('/etc/hostname')",
            "SELECT $$x$$, file('/etc/hostname')",
            "SELECT x'41', file('/etc/hostname')",
            "SELECT arrayMap(p -> file(p), ['/etc/hostname'])",
            "SELECT * FROM loop(file('/etc/hostname'))",
            "INSERT INTO FUNCTION file('/tmp/x', 'TSV', 'a String') VALUES ('x')",
            "INSERT INTO TABLE FUNCTION url('http://127.0.0.1:1/', 'CSV', 'a String') SELECT 'x'",
            "SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')",
            "SELECT * FROM remote('127.0.0.1', system.one)",
            "SELECT * FROM remoteSecure('127.0.0.1', system.one)",
            "SELECT * FROM s3('http://127.0.0.1:1/x.csv')",
            "SELECT * FROM s3Cluster('c', 'http://127.0.0.1:1/x.csv')",
            "SELECT * FROM hdfs('hdfs://h:1/x', 'TSV')",
            "SELECT * FROM executable('ls', 'TSV', 'x String')",
            "SELECT * FROM fileCluster('c', '/etc/hostname')",
            "SELECT * FROM urlCluster('c', 'http://x/')",
            "SELECT * FROM cluster('default', system.one)",
            "SELECT * FROM clusterAllReplicas('default', system.one)",
            "SELECT * FROM mysql('h:3306', 'db', 't', 'u', 'p')",
            "SELECT * FROM postgresql('h:5432', 'db', 't', 'u', 'p')",
            "SELECT * FROM jdbc('x', 'y')",
            "SELECT * FROM odbc('x', 'y')",
            "SELECT * FROM sqlite('/tmp/x.db', 't')",
            "SELECT * FROM mongodb('h', 'db', 'c', 'u', 'p', 'x String')",
            "SELECT * FROM redis('h:6379', 'k', 'k String')",
            "SELECT * FROM azureBlobStorage('x')",
            "SELECT * FROM gcs('x')",
            "SELECT * FROM iceberg('x')",
            "SELECT * FROM icebergS3('x')",
            "SELECT * FROM deltaLake('x')",
            "SELECT * FROM hudi('x')",
            "SELECT * FROM hive('x')",
            "SELECT * FROM filesystem('/etc')",
            "SELECT * FROM paimon('x')",
            "SELECT * FROM ytsaurus('x')",
            "SELECT * FROM someFutureTableFunction('x')",
            "CREATE TABLE t (a String) ENGINE = File(TSV, '/tmp/x')",
            "CREATE TABLE t (a String) ENGINE=URL('http://127.0.0.1:1/', CSV)",
            "CREATE TABLE t (a String) ENGINE = Executable('x.sh', TSV)",
            "CREATE TABLE t (a String) engine executablepool('x.sh', TSV)",
            "CREATE TABLE t (a String) ENGINE = EmbeddedRocksDB PRIMARY KEY a",
            "CREATE TABLE t (a String) ENGINE = `EmbeddedRocksDB`(0, '/tmp/rocks') PRIMARY KEY a",
            "CREATE TABLE t (a String) ENGINE = SomeFutureEngine",
            "CREATE DATABASE d ENGINE = Filesystem('/etc')",
            "CREATE DICTIONARY d (a String) PRIMARY KEY a SOURCE(FILE(path '/etc/hostname' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
            "CREATE DICTIONARY d (a String) PRIMARY KEY a SOURCE(EXECUTABLE(command 'ls' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
            "CREATE TABLE t (a Int) ENGINE = MergeTree ORDER BY a SETTINGS disk = disk(type = web, endpoint = 'http://127.0.0.1:1/')",
            "CREATE FUNCTION f AS (p) -> file(p)",
            "SELECT 1 INTO OUTFILE '/tmp/x'",
            "select 1 into outfile '/tmp/x' TRUNCATE",
            "INSERT INTO t FROM INFILE '/etc/hostname' FORMAT LineAsString",
            "ATTACH TABLE t FROM '/tmp/data' (a String) ENGINE = MergeTree ORDER BY a",
            "SELECT * FROM format(Values, 'x String', '(file(''/etc/hostname''))')",
            "SELECT * FROM FORMAT('values', 'x String', '(1)')",
            "WITH 'Values' AS fmt SELECT * FROM format(fmt, 'x String', '(1)')",
            "SELECT * FROM format(concat('Val', 'ues'), 'x String', '(1)')",
            "SELECT * FROM format('Val' || 'ues', 'x String', '(1)')",
            "SELECT * FROM format('\\x56alues', 'x String', '(1)')",
            "INSERT INTO t VALUES ('a'), (file('/etc/hostname'))",
            "INSERT INTO t FORMAT Values (file('/etc/hostname'))",
            "insert into t format values ('a'), (file('/etc/hostname'))",
            "INSERT INTO format SELECT file('/etc/hostname')",
            "INSERT INTO db.format SELECT file('/etc/hostname')",
    })
    void refusesWhatReachesOutsideTheEngine(String sql) {
        EngineQueryException refused = refusal(sql, false);
        assertThat(refused).as(sql).isNotNull();
        assertThat(refused.code()).as(sql).isEqualTo(497);
        assertThat(refused.getMessage()).startsWith("Code: 497. DB::Exception: ").endsWith("(ACCESS_DENIED)");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT count() FROM bud.ModelInferenceDetails",
            "SELECT 'file(' AS x",
            "SELECT 'it''s file(''/etc/hostname'')' AS x",
            "SELECT 'a\\' file(' AS x",
            "SELECT $$file('/etc/hostname')$$",
            "SELECT $tag$ file('/x') $tag$",
            "SELECT \"file(\" FROM t",
            "SELECT `file` FROM t",
            "SELECT 1 -- file('/etc/hostname')",
            "SELECT 1 // file('/etc/hostname')",
            "SELECT /* file('/etc/hostname') */ 1",
            "SELECT /* /* nested */ file('/etc/hostname') */ 1",
            "# file('/etc/hostname')\nSELECT 1",
            "SELECT filesystemAvailable(), profile, files FROM t",
            "SELECT URLHierarchy('http://x/y'), cutURLParameter('http://x/?a=1', 'a')",
            "SELECT format('{} {}', 'a', 'b')",
            "SELECT * FROM format('JSONEachRow', '{\"a\":1}')",
            "SELECT * FROM numbers(10)",
            "SELECT * FROM values('a String', 'x')",
            "SELECT name, engine FROM system.tables WHERE engine = 'File'",
            "CREATE TABLE t (a Int) ENGINE = MergeTree ORDER BY a",
            "CREATE TABLE t (a Int) ENGINE Memory",
            "CREATE DATABASE d ENGINE = Atomic",
            "INSERT INTO t VALUES (1, 'file(''x'')'), (2, now())",
            "INSERT INTO t (a, b) FORMAT TSV\n1\tfile('/x')\n;SELECT file('/etc/hostname')",
            "INSERT INTO t SETTINGS async_insert = 0 FORMAT TabSeparated",
            "KILL QUERY WHERE query_id = 'x'",
            "SELECT {a:String}",
            "SELECT 1;",
            "SELECT 1;; -- done",
            "OPTIMIZE TABLE t FINAL",
            "ALTER TABLE t DELETE WHERE a = 1",
            "SYSTEM FLUSH LOGS",
    })
    void allowsWhatStaysInsideTheEngine(String sql) {
        assertThatCode(() -> GUARD.check(sql, false)).as(sql).doesNotThrowAnyException();
    }

    @Test
    void refusesMoreThanOneStatementAsAServerDoes() {
        for (String sql : List.of("SELECT 1; SELECT 2", "SELECT 1;\nDROP TABLE t", "SET readonly = 1; SELECT 1", "SELECT 1 \\G SELECT 2",
                "INSERT INTO t VALUES (1); SELECT file('/etc/hostname')")) {
            EngineQueryException refused = refusal(sql, false);
            assertThat(refused).as(sql).isNotNull();
            assertThat(refused.code()).as(sql).isEqualTo(62);
            assertThat(refused.getMessage()).as(sql).contains("Multi-statements are not allowed");
        }
    }

    @Test
    void refusesWhatItCannotReadToTheEnd() {
        for (String sql : List.of("SELECT 'abc", "SELECT `abc", "SELECT \"abc", "SELECT 1 /* abc", "SELECT x'4g'")) {
            assertThat(refusal(sql, false)).as(sql).isNotNull().extracting(EngineQueryException::code).isEqualTo(62);
        }
    }

    @Test
    void aReadOnlyRequestOnlyReadsAsOnAServer() {
        for (String sql : List.of("SELECT 1", "with 1 AS x SELECT x", "SHOW TABLES", "DESCRIBE TABLE t", "DESC t", "EXISTS t",
                "EXPLAIN SELECT 1", "(SELECT 1)", "/* c */ SELECT 1", "SET max_threads = 1", "USE bud")) {
            assertThatCode(() -> GUARD.check(sql, true)).as(sql).doesNotThrowAnyException();
        }
        for (String sql : List.of("INSERT INTO t VALUES (1)", "DROP TABLE t", "/* c */ CREATE TABLE t (a Int) ENGINE = Memory",
                "TRUNCATE TABLE t", "ALTER TABLE t DELETE WHERE 1", "KILL QUERY WHERE 1", "OPTIMIZE TABLE t")) {
            EngineQueryException refused = refusal(sql, true);
            assertThat(refused).as(sql).isNotNull();
            assertThat(refused.code()).as(sql).isEqualTo(164);
            assertThat(refused.getMessage()).contains("READONLY");
        }
    }

    @Test
    void setAndUseChangeNothingWhateverPrecedesThem() {
        for (String sql : List.of("SET max_threads = 1", "  set max_threads = 1", "/* c */ SET max_threads = 1", "-- c\nSET x = 1",
                "USE bud", "use `bud`")) {
            assertThat(GUARD.check(sql, false).sessionOnly()).as(sql).isTrue();
        }
        assertThat(GUARD.check("SELECT 1 SETTINGS max_threads = 1", false).sessionOnly()).isFalse();
        assertThat(GUARD.check("SELECT 'SET'", false).sessionOnly()).isFalse();
    }

    @Test
    void findsTheFormatClauseOfAnInsertWhoseDataComesApart() {
        String sql = "INSERT INTO bud.t (a, b) SETTINGS async_insert = 0 FORMAT TabSeparated";
        QueryGuard.Statement statement = GUARD.check(sql, false);
        assertThat(statement.format()).isEqualTo("TabSeparated");
        assertThat(statement.insertBeforeFormat(sql)).isEqualTo("INSERT INTO bud.t (a, b) SETTINGS async_insert = 0 ");

        String commented = "INSERT INTO t -- the rows follow\nFORMAT CSV;";
        // the prefix keeps the newline that ends the comment, so what the facade appends is not commented out
        assertThat(GUARD.check(commented, false).insertBeforeFormat(commented)).isEqualTo("INSERT INTO t -- the rows follow\n");

        String values = "INSERT INTO t FORMAT Values";
        assertThat(GUARD.check(values, false).insertBeforeFormat(values)).isEqualTo("INSERT INTO t ");

        for (String notApart : List.of("INSERT INTO t SELECT 1 FORMAT TSV", "INSERT INTO t VALUES (1)", "SELECT 1 FORMAT TSV",
                "INSERT INTO t FORMAT \"CSV\"", "INSERT INTO t FORMAT TSV 1\t2")) {
            assertThat(GUARD.check(notApart, false).insertBeforeFormat(notApart)).as(notApart).isNull();
        }
    }

    @Test
    void checksValuesDataAsExpressions() {
        assertThatCode(() -> GUARD.checkValuesData("(1, 'file(x)'), (2, now()); ")).doesNotThrowAnyException();
        assertThat(catchThrowableOfType(EngineQueryException.class, () -> GUARD.checkValuesData("(1, 'a'),\n(2, file('/etc/hostname'))")))
                .isNotNull().extracting(EngineQueryException::code).isEqualTo(497);
    }

    @Test
    void theAllowlistsDecideNotTheNamesItKnows() {
        QueryGuard guard = QueryGuard.forEngine(Set.of("numbers", "brandNewRemoteThing"), Set.of("MergeTree", "BrandNewEngine"));
        assertThatCode(() -> guard.check("SELECT * FROM numbers(1)", false)).doesNotThrowAnyException();
        assertThat(catchThrowableOfType(EngineQueryException.class, () -> guard.check("SELECT * FROM brandNewRemoteThing(1)", false)))
                .isNotNull();
        assertThat(catchThrowableOfType(EngineQueryException.class,
                () -> guard.check("CREATE TABLE t (a Int) ENGINE = BrandNewEngine", false))).isNotNull();
        // the names this port must never run are refused even when the engine does not list them
        assertThat(catchThrowableOfType(EngineQueryException.class, () -> guard.check("SELECT * FROM url('http://x/')", false))).isNotNull();
        assertThat(catchThrowableOfType(EngineQueryException.class, () -> guard.check("CREATE TABLE t (a Int) ENGINE = File(TSV)", false)))
                .isNotNull();
    }

    /** The service's own statements pass, and in microseconds. */
    @Test
    void theServicesOwnStatementsPassCheaply() throws IOException {
        List<String> statements = new ArrayList<>();
        try (Stream<Path> golden = Files.list(Path.of("src/test/resources/golden"))) {
            for (Path file : golden.filter(p -> p.toString().endsWith(".sql")).sorted().toList()) {
                statements.add(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        assertThat(statements).hasSizeGreaterThan(20);
        String ids = IntStream.range(0, 5000).mapToObj(i -> "'" + UUID.randomUUID() + "'").collect(Collectors.joining(","));
        statements.add("SELECT toString(inference_id) FROM ModelInferenceDetails WHERE inference_id IN (" + ids + ")");
        statements.add("INSERT INTO ModelInferenceDetails (inference_id, request_ip, project_id, endpoint_id, model_id, cost,"
                + " response_analysis, is_success, request_arrival_time, request_forward_time, api_key_id, user_id, api_key_project_id,"
                + " error_code, error_message, error_type, status_code) FORMAT TabSeparated");
        for (String sql : statements) {
            assertThatCode(() -> GUARD.check(sql, false)).as(sql).doesNotThrowAnyException();
        }
        long characters = statements.stream().mapToLong(String::length).sum();
        for (int warm = 0; warm < 200; warm++) {
            statements.forEach(sql -> GUARD.check(sql, false));
        }
        int rounds = 200;
        long started = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            statements.forEach(sql -> GUARD.check(sql, false));
        }
        double nanosPerChar = (double) (System.nanoTime() - started) / rounds / characters;
        double analyticsMicros = nanosPerChar * statements.get(0).length() / 1000;
        System.out.printf("QueryGuard: %.2f ns per character, %.1f µs for a %d-character analytics statement%n", nanosPerChar,
                analyticsMicros, statements.get(0).length());
        // a loose bound (a loaded CI machine), far below one engine round trip (~1 ms)
        assertThat(nanosPerChar).isLessThan(100);
    }
}
