package ai.bud.metrics.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.ingest.AnswerDroppingProxy;
import ai.bud.metrics.ingest.EventValidator;
import ai.bud.metrics.ingest.InvalidEventException;
import ai.bud.metrics.ingest.Rows;
import ai.bud.metrics.ingest.TestEvents;
import ai.bud.metrics.support.TestClickHouse;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import com.clickhouse.jdbc.ConnectionImpl;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The insert path of the ingest flow against the real engine: RowBinary rows stored exactly as the values were
 * (text with every special character, NULL versus the text {@code \N}, JSON, numbers to the last bit, addresses,
 * milliseconds), dead letters as TabSeparated, the existence check, and an
 * INSERT whose answer is lost on the way back: it must be reported as failed-maybe-written and never be sent again
 * (the ClickHouse client's own retry would store the rows twice).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowInserterTest {

    private static final String DATABASE = "ingest_row_inserter_test";

    private DataSource dataSource;
    private Rows rows;
    private final TestEvents events = new TestEvents(11);

    @BeforeAll
    void setUp() {
        dataSource = TestClickHouse.database(DATABASE);
        rows = new Rows(dataSource);
    }

    @Test
    void valuesArriveExactlyAsTheyWere() throws Exception {
        ObjectNode analysis = TestEvents.MAPPER.createObjectNode();
        analysis.put("text", "line one\nline two\ttab \"quoted\" back\\slash \\N é 😀");
        analysis.putArray("scores").add(1).add(2.5);
        String nasty = "tab\there, newline\nthere, CRLF\r\n, back\\slash, \\N, quote ' \" , ü 😀";
        InferenceEvent first = new InferenceEvent(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), true,
                LocalDateTime.of(2026, 3, 1, 10, 0, 0, 7_000_000), LocalDateTime.of(2026, 3, 1, 10, 0, 1, 999_000_000), 1.0E-5,
                "2001:db8::1", analysis.toString(), nasty, "\\N", "", "E\t1", "multi\nline", null, 65535);
        InferenceEvent second = new InferenceEvent(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), false,
                LocalDateTime.of(1900, 1, 1, 0, 0, 0), LocalDateTime.of(2299, 12, 31, 23, 59, 59, 999_000_000), null, null, null, null,
                null, null, null, null, null, null);
        InferenceEvent third = new EventValidator().validate(events.event());
        new BatchWriter(dataSource, 30).insert(List.of(first, second, third));

        for (InferenceEvent e : List.of(first, second, third)) {
            Map<String, Object> row = rows.single("SELECT toString(request_ip) AS ip, toString(project_id) AS project, toString(endpoint_id) AS endpoint,"
                    + " toString(model_id) AS model, cost, toString(response_analysis) AS analysis, is_success,"
                    + " toString(request_arrival_time) AS arrival, toString(request_forward_time) AS forward, api_key_id, user_id,"
                    + " api_key_project_id, error_code, error_message, error_type, status_code"
                    + " FROM ModelInferenceDetails WHERE inference_id = ?", e.inferenceId().toString());
            assertThat(row.get("ip")).isEqualTo(e.requestIp() == null ? null : storedIp(e.requestIp()));
            assertThat(row.get("project")).isEqualTo(e.projectId().toString());
            assertThat(row.get("endpoint")).isEqualTo(e.endpointId().toString());
            assertThat(row.get("model")).isEqualTo(e.modelId().toString());
            assertThat(row.get("cost") == null ? null : ((Number) row.get("cost")).doubleValue()).isEqualTo(e.cost());
            if (e.responseAnalysis() == null) {
                assertThat(row.get("analysis")).isNull();
            } else {
                assertThat(TestEvents.MAPPER.readTree((String) row.get("analysis"))).isEqualTo(TestEvents.MAPPER.readTree(e.responseAnalysis()));
            }
            assertThat(row.get("is_success")).isEqualTo(e.isSuccess());
            assertThat(row.get("arrival")).isEqualTo(text(e.requestArrivalTime()));
            assertThat(row.get("forward")).isEqualTo(text(e.requestForwardTime()));
            assertThat(row.get("api_key_id")).isEqualTo(e.apiKeyId());
            assertThat(row.get("user_id")).isEqualTo(e.userId());
            assertThat(row.get("api_key_project_id")).isEqualTo(e.apiKeyProjectId());
            assertThat(row.get("error_code")).isEqualTo(e.errorCode());
            assertThat(row.get("error_message")).isEqualTo(e.errorMessage());
            assertThat(row.get("error_type")).isEqualTo(e.errorType());
            assertThat(row.get("status_code") == null ? null : ((Number) row.get("status_code")).intValue()).isEqualTo(e.statusCode());
        }
    }

    /**
     * Every cost is stored with the very bits it was sent with. The oracle is the sent double itself: as decimal text
     * (the earlier TabSeparated insert) the engine's default float parser read some of these one unit in the last place
     * off, most of all those written with an exponent.
     */
    @Test
    void costsAreStoredToTheLastBit() {
        java.util.Random random = new java.util.Random(42);
        EventValidator validator = new EventValidator();
        List<InferenceEvent> batch = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            InferenceEvent valid = validator.validate(events.event());
            // costs of every magnitude a gateway sends: 1e-9 to 1e3, random mantissas, and the shortest decimals of them
            double cost = random.nextDouble() * Math.pow(10, -9 + random.nextInt(13));
            if (i % 3 == 0) {
                cost = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.8g", cost));
            }
            batch.add(new InferenceEvent(valid.inferenceId(), valid.projectId(), valid.endpointId(), valid.modelId(), valid.isSuccess(),
                    valid.requestArrivalTime(), valid.requestForwardTime(), cost, valid.requestIp(), valid.responseAnalysis(),
                    valid.apiKeyId(), valid.userId(), valid.apiKeyProjectId(), valid.errorCode(), valid.errorMessage(), valid.errorType(),
                    valid.statusCode()));
        }
        new BatchWriter(dataSource, 30).insert(batch);
        Map<String, String> storedBits = new java.util.HashMap<>();
        List<String> ids = batch.stream().map(e -> e.inferenceId().toString()).toList();
        for (List<Object> row : rows.query("SELECT toString(inference_id), toString(reinterpretAsUInt64(assumeNotNull(cost)))"
                + " FROM ModelInferenceDetails WHERE has(splitByChar(',', ?), toString(inference_id))", String.join(",", ids))) {
            storedBits.put((String) row.get(0), (String) row.get(1));
        }
        List<String> differing = new ArrayList<>();
        for (InferenceEvent e : batch) {
            String sent = Long.toUnsignedString(Double.doubleToRawLongBits(e.cost()));
            if (!sent.equals(storedBits.get(e.inferenceId().toString()))) {
                differing.add(e.cost() + " stored as bits " + storedBits.get(e.inferenceId().toString()));
            }
        }
        assertThat(storedBits).hasSize(batch.size());
        assertThat(differing).isEmpty();
    }

    /**
     * Client addresses in every form the validator accepts are stored as the engine reads their stored text form
     * (the oracle: {@code toIPv6} of that text, the engine's own parser).
     */
    @Test
    void addressesAreStoredAsTheEngineReadsTheirText() {
        List<String> sent = List.of("1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.1", "::", "::1", "2001:db8::1",
                "2001:0db8:0000:0000:0000:ff00:0042:8329", "fe80::1", "::ffff:10.0.0.1", "[2001:db8::2]", " 192.168.1.20 ",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "64:ff9b::192.0.2.33", "::ffff:0:0", "::ffff:c000:0221", "1::", "::2:3");
        EventValidator validator = new EventValidator();
        List<InferenceEvent> batch = new ArrayList<>();
        for (String ip : sent) {
            ObjectNode fields = events.event();
            fields.put("request_ip", ip);
            batch.add(validator.validate(fields));
        }
        new BatchWriter(dataSource, 30).insert(batch);
        for (InferenceEvent e : batch) {
            Map<String, Object> row = rows.single("SELECT toString(request_ip) AS stored, toString(toIPv6(?)) AS parsed"
                    + " FROM ModelInferenceDetails WHERE inference_id = ?", e.requestIp(), e.inferenceId().toString());
            assertThat(row.get("stored")).as(e.requestIp()).isEqualTo(row.get("parsed"));
        }
    }

    @Test
    void deadLettersKeepTheirPayloadByteForByte() {
        String reference = "ref-" + UUID.randomUUID();
        String payload = "{\"a\":\"x\\ty\"}\tnot json\n\\N \r\n ü";
        new DeadLetterStore(dataSource).write(List.of(new DeadLetterStore.DeadLetter("http", reference, 7, "e\t7", null, "bad\nvalue", payload),
                new DeadLetterStore.DeadLetter("redis", reference, 8, null, "\\N", "", null)));
        List<List<Object>> stored = rows.query("SELECT source, entry_index, entry_id, inference_id, error, payload FROM IngestDeadLetter"
                + " WHERE reference = ? ORDER BY entry_index", reference);
        assertThat(stored).hasSize(2);
        assertThat(stored.get(0)).containsExactly("http", 7L, "e\t7", null, "bad\nvalue", payload);
        assertThat(stored.get(1)).containsExactly("redis", 8L, null, "\\N", "", "");
    }

    /**
     * ClickHouse refuses, by default, an INSERT block spanning more than 100 partitions (months of arrival); a valid
     * backfill may span more. The setting on the insert must reach the engine (through the facade) and store them.
     */
    @Test
    void oneInsertSpanning150MonthsIsStored() {
        List<InferenceEvent> wide = new ArrayList<>();
        for (int month = 0; month < 150; month++) {
            wide.add(new EventValidator().validate(events.event(LocalDateTime.of(2010, 1, 1, 12, 0).plusMonths(month))));
        }
        long started = System.nanoTime();
        new BatchWriter(dataSource, 30).insert(wide);
        long wideMillis = (System.nanoTime() - started) / 1_000_000;
        List<String> ids = wide.stream().map(e -> e.inferenceId().toString()).toList();
        assertThat(rows.countsPerId(ids)).hasSize(150).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
        assertThat(rows.query("SELECT uniqExact(toYYYYMM(request_arrival_time)) FROM ModelInferenceDetails WHERE inference_id IN ("
                + String.join(",", java.util.Collections.nCopies(ids.size(), "?")) + ")", ids.toArray()).get(0).get(0)).asString().isEqualTo("150");
        List<InferenceEvent> narrow = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            narrow.add(new EventValidator().validate(events.event()));
        }
        started = System.nanoTime();
        new BatchWriter(dataSource, 30).insert(narrow);
        org.slf4j.LoggerFactory.getLogger(RowInserterTest.class).info("INSERT of 150 rows: 150 months {} ms, one month {} ms", wideMillis,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The validator's response_analysis rules (JsonColumnCheck) against the engine itself: each object is inserted as
     * it is, bypassing validation, and the validator must refuse exactly those the engine refuses.
     */
    @Test
    void theValidatorRefusesExactlyTheResponseAnalysisTheEngineRefuses() throws Exception {
        List<String> objects = List.of("{}", "{\"a.b\":1,\"a\":{\"b\":2}}", "{\"a\":{\"b\":2},\"a.b\":1}", "{\"a\":1,\"a.b\":2}",
                "{\"a\":{\"b\":1},\"a.b.c\":2}", "{\"a\":{\"b.c\":1},\"a.b\":{\"c\":2}}", "{\"a.b\":null,\"a\":{\"b\":1}}",
                "{\"a.b\":{},\"a\":{\"b\":1}}", "{\"a.b\":[],\"a\":{\"b\":1}}", "{\"a.b\":[1],\"a\":{\"b\":\"x\"}}",
                "{\"a.b\":{\"c\":1},\"a\":{\"b\":1}}", "{\"a\":{\"b\":null},\"a.b\":1}", "{\"a\":[{\"b\":1,\"b.c\":2}]}",
                "{\"a\":[{\"x.y\":1},{\"x\":{\"y\":2}}]}", "{\"a\":[{\"b.c\":1,\"b\":{\"c\":2}}]}",
                "{\"a\":[[{\"b.c\":1,\"b\":{\"c\":2}}]]}", "{\"a.\":1,\"a\":{\"\":2}}", "{\".a\":1,\"\":{\"a\":2}}",
                "{\"a..b\":1,\"a\":{\"\":{\"b\":2}}}", "{\"x.y.z\":1,\"x\":{\"y.z\":2}}", "{\"x.y\":{\"z\":1},\"x\":{\"y\":{\"z\":2}}}",
                "{\"n\":10000000000000000000000000000000000000000}", "{\"n\":18446744073709551615}", "{\"n\":18446744073709551616}",
                "{\"n\":-9223372036854775808}", "{\"n\":-9223372036854775809}", "{\"n\":[1,18446744073709551616]}",
                "{\"n\":{\"m\":[{\"k\":-9223372036854775809}]}}", "{\"n\":1e308}", "{\"n\":123456789012345678901234567890.5}",
                "{\"n\":1E+40}", "{\"a\":[[1],[\"x\"]]}", "{\"a\":[null]}", "{\"\":1}");
        RowInserter inserter = new RowInserter(dataSource, 30);
        EventValidator validator = new EventValidator();
        List<String> disagreements = new ArrayList<>();
        for (String json : objects) {
            ObjectNode fields = events.event();
            fields.set("response_analysis", TestEvents.MAPPER.readTree(json));
            InferenceEvent valid = validator.validate(events.event());
            InferenceEvent asSent = new InferenceEvent(valid.inferenceId(), valid.projectId(), valid.endpointId(), valid.modelId(), true,
                    valid.requestArrivalTime(), valid.requestForwardTime(), null, null, fields.get("response_analysis").toString(), null,
                    null, null, null, null, null, null);
            boolean engineRefuses;
            try {
                inserter.insertRowBinary(BatchWriter.TABLE, RowBinaryRows.DETAILS_COLUMNS, RowBinaryRows.details(List.of(asSent)), json);
                engineRefuses = false;
            } catch (StorageException e) {
                assertThat(e.dataRejected()).as(json + ": " + e.getMessage()).isTrue();
                engineRefuses = true;
            }
            boolean validatorRefuses;
            try {
                validator.validate(fields);
                validatorRefuses = false;
            } catch (InvalidEventException e) {
                validatorRefuses = true;
            }
            if (engineRefuses != validatorRefuses) {
                disagreements.add(json + (engineRefuses ? " refused by the engine only" : " refused by the validator only"));
            }
        }
        assertThat(disagreements).isEmpty();
    }

    @Test
    void theExistenceCheckFindsExactlyTheStoredIds() {
        List<InferenceEvent> stored = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            stored.add(new EventValidator().validate(events.event()));
        }
        BatchWriter writer = new BatchWriter(dataSource, 30);
        writer.insert(stored);
        List<UUID> asked = new ArrayList<>();
        for (int i = 0; i < stored.size(); i += 3) {
            asked.add(stored.get(i).inferenceId());
        }
        List<UUID> absent = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            absent.add(UUID.randomUUID());
        }
        asked.addAll(absent);
        Set<UUID> found = writer.existing(asked);
        assertThat(found).hasSize(500).allMatch(id -> stored.stream().anyMatch(e -> e.inferenceId().equals(id)));
    }

    @Test
    void anInsertWhoseAnswerIsLostIsNeverSentAgain() throws Exception {
        try (AnswerDroppingProxy proxy = new AnswerDroppingProxy(TestClickHouse.connector().port());
                HikariDataSource throughProxy = proxied(proxy)) {
            List<InferenceEvent> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(new EventValidator().validate(events.event()));
            }
            BatchWriter writer = new BatchWriter(throughProxy, 30);
            assertThatThrownBy(() -> writer.insert(batch)).isInstanceOfSatisfying(StorageException.class,
                    e -> assertThat(e.nothingWritten()).as("a lost answer may hide a stored insert").isFalse());
            assertThat(proxy.requestsContaining("INSERT")).isEqualTo(1);
            List<String> ids = batch.stream().map(e -> e.inferenceId().toString()).toList();
            assertThat(rows.countsPerId(ids)).hasSize(ids.size()).allSatisfy((id, count) -> assertThat(count).isEqualTo(1L));

            // the same request with the client's default retry policy is sent again and stores the rows twice:
            // what the ingest insert settings prevent
            List<InferenceEvent> control = List.of(new EventValidator().validate(events.event()));
            long before = proxy.requestsContaining("INSERT");
            try (Connection connection = throughProxy.getConnection()) {
                Client client = connection.unwrap(ConnectionImpl.class).getClient();
                client.insert(BatchWriter.TABLE, RowBinaryRows.DETAILS_COLUMNS, new ByteArrayInputStream(RowBinaryRows.details(control)),
                        ClickHouseFormat.RowBinary, rowBinarySettings()).get().close();
            } catch (Exception expected) {
                // every attempt loses its answer
            }
            assertThat(proxy.requestsContaining("INSERT") - before).isGreaterThan(1);
            assertThat(rows.countsPerId(List.of(control.get(0).inferenceId().toString())).get(control.get(0).inferenceId().toString()))
                    .isGreaterThan(1L);
        }
    }

    private static InsertSettings rowBinarySettings() {
        InsertSettings settings = new InsertSettings();
        RowBinaryRows.SETTINGS.forEach(settings::serverSetting);
        return settings;
    }

    private static HikariDataSource proxied(AnswerDroppingProxy proxy) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:clickhouse://127.0.0.1:" + proxy.port() + "/" + DATABASE + "?compress=false");
        config.setUsername("default");
        config.setPassword("");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }

    private static String storedIp(String ip) {
        return ip.equals("2001:db8::1") ? "2001:db8::1" : ip;
    }

    private static String text(LocalDateTime t) {
        return String.format("%04d-%02d-%02d %02d:%02d:%02d.%03d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(),
                t.getMinute(), t.getSecond(), t.getNano() / 1_000_000);
    }

    @AfterAll
    void tearDown() {
        // the database is dropped and recreated by the next run
    }
}
