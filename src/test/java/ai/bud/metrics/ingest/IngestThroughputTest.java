package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.dedup.Deduplicator;
import ai.bud.metrics.ingest.edge.EnvelopeParser;
import ai.bud.metrics.ingest.edge.IngestReply;
import ai.bud.metrics.ingest.store.BatchWriter;
import ai.bud.metrics.ingest.store.InferenceEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Measures, never asserts a time: the HTTP bulk ingest rate (batches of 1000 over real HTTP, the real engine and
 * Redis), where the time of one batch goes (each step of the flow timed on its own, in process), and the floor —
 * a raw JDBC PreparedStatement batch insert of the same rows, the way any JDBC program would write them. Lines
 * start with {@code INGEST RATE} / {@code INGEST SPAN}. Correctness of what was stored is still asserted (each
 * id exactly once).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=ingest_perf_it", "budmetrics.redis.ingest-enabled=false",
        "budmetrics.redis.stream=ingest-perf-test-unused"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestThroughputTest {

    private static final Logger log = LoggerFactory.getLogger(IngestThroughputTest.class);
    private static final String KEY_PREFIX = "budmetrics:test:" + UUID.randomUUID();
    private static final int BATCH = 1000;
    private static final int WARM_UP = 3;
    private static final int MEASURED = 20;

    @DynamicPropertySource
    static void dedupKeys(DynamicPropertyRegistry registry) {
        registry.add("budmetrics.ingest.dedup.key-prefix", () -> KEY_PREFIX);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    EnvelopeParser parser;

    @Autowired
    IngestFlow flow;

    @Autowired
    Deduplicator deduplicator;

    @Autowired
    BatchWriter writer;

    @Autowired
    com.fasterxml.jackson.databind.ObjectMapper mapper;

    private Rows rows;
    private final TestEvents events = new TestEvents(7);

    @BeforeAll
    void setUp() {
        rows = new Rows(dataSource);
        rows.execute("TRUNCATE TABLE ModelInferenceDetails");
        rows.execute("DROP TABLE IF EXISTS ModelInferenceDetails_floor");
        rows.execute("CREATE TABLE ModelInferenceDetails_floor AS ModelInferenceDetails");
    }

    @AfterAll
    void cleanUp() {
        RedisKeys.deleteWithPrefix(redis, KEY_PREFIX + ":");
        rows.execute("DROP TABLE IF EXISTS ModelInferenceDetails_floor");
    }

    @Test
    void measureHttpBulkAgainstRawJdbc() {
        Http http = new Http(port);
        List<List<ObjectNode>> batches = IntStream.range(0, WARM_UP + MEASURED)
                .mapToObj(b -> IntStream.range(0, BATCH).mapToObj(i -> events.event()).toList()).toList();
        List<byte[]> bodies = batches.stream().map(b -> TestEvents.bulk(b, true).toString().getBytes(StandardCharsets.UTF_8)).toList();
        for (int b = 0; b < WARM_UP; b++) {
            assertThat(http.post(bodies.get(b), "application/json").status()).isEqualTo(200);
        }
        Map<String, Long> engineBefore = engineEvents();
        Map<String, Long> cpuBefore = cpuByThreadGroup();
        long processCpuBefore = processCpuNanos();
        long started = System.nanoTime();
        long inserted = 0;
        Map<String, Integer> statusCounts = new HashMap<>();
        for (int b = WARM_UP; b < bodies.size(); b++) {
            Http.Reply reply = http.post(bodies.get(b), "application/json");
            assertThat(reply.status()).isEqualTo(200);
            inserted += reply.body().get("param").get("summary").get("successfully_inserted").asLong();
            reply.body().get("statuses").forEach(s -> statusCounts.merge(s.get("status").asText(), 1, Integer::sum));
        }
        double httpSeconds = (System.nanoTime() - started) / 1e9;
        double httpRate = inserted / httpSeconds;
        logCpu(cpuBefore, processCpuBefore, httpSeconds);
        Map<String, Long> engineAfter = engineEvents();
        Map<String, Long> engineDelta = new java.util.TreeMap<>();
        engineAfter.forEach((event, value) -> engineDelta.put(event, value - engineBefore.getOrDefault(event, 0L)));
        log.info("INGEST ENGINE counters during the HTTP bulk run: {}", engineDelta);

        // the floor: the same rows, validated, written by a plain JDBC PreparedStatement batch per 1000 rows
        List<List<InferenceEvent>> validated = new ArrayList<>();
        for (List<ObjectNode> batch : batches) {
            validated.add(batch.stream().map(e -> new EventValidator().validate(e)).toList());
        }
        for (int b = 0; b < WARM_UP; b++) {
            jdbcInsert(validated.get(b));
        }
        rows.execute("TRUNCATE TABLE ModelInferenceDetails_floor");
        started = System.nanoTime();
        for (int b = WARM_UP; b < validated.size(); b++) {
            jdbcInsert(validated.get(b));
        }
        double jdbcSeconds = (System.nanoTime() - started) / 1e9;
        double jdbcRate = (double) MEASURED * BATCH / jdbcSeconds;

        log.info("INGEST RATE http bulk of {}: {} events in {} s = {} events/s; raw JDBC batch insert of the same rows: {} rows/s;"
                + " ratio {} (load average {})", BATCH, inserted, String.format("%.2f", httpSeconds), Math.round(httpRate),
                Math.round(jdbcRate), String.format("%.2f", httpRate / jdbcRate), loadAverage());
        assertThat(inserted).isEqualTo((long) MEASURED * BATCH);
        assertThat(statusCounts).containsOnlyKeys("SUCCESS");
        List<String> ids = batches.stream().flatMap(List::stream).map(e -> e.get("inference_id").asText()).toList();
        Map<String, Long> counts = rows.countsPerId(ids);
        assertThat(counts).hasSize(ids.size());
        assertThat(counts.values()).containsOnly(1L);
        assertThat(((Number) rows.single("SELECT count() AS n FROM ModelInferenceDetails_floor").get("n")).longValue())
                .isEqualTo((long) MEASURED * BATCH);
    }

    /** The same bulk batches from 4 concurrent clients (as Dapr delivers with concurrency): requests overlap their waits. */
    @Test
    void measureHttpBulkWithConcurrentClients() throws Exception {
        int clients = 4;
        int perClient = 5;
        List<byte[]> bodies = IntStream.range(0, clients * (perClient + 1))
                .mapToObj(b -> TestEvents.bulk(IntStream.range(0, BATCH).mapToObj(i -> events.event()).toList(), true).toString()
                        .getBytes(StandardCharsets.UTF_8)).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<Long>> warmUp = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                byte[] body = bodies.get(c);
                warmUp.add(pool.submit(() -> post(body)));
            }
            for (java.util.concurrent.Future<Long> f : warmUp) {
                f.get();
            }
            long started = System.nanoTime();
            List<java.util.concurrent.Future<Long>> runs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                List<byte[]> mine = bodies.subList(clients + c * perClient, clients + (c + 1) * perClient);
                runs.add(pool.submit(() -> {
                    long n = 0;
                    for (byte[] body : mine) {
                        n += post(body);
                    }
                    return n;
                }));
            }
            long inserted = 0;
            for (java.util.concurrent.Future<Long> f : runs) {
                inserted += f.get();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            log.info("INGEST RATE http bulk of {} from {} concurrent clients: {} events in {} s = {} events/s (load average {})", BATCH, clients,
                    inserted, String.format("%.2f", seconds), Math.round(inserted / seconds), loadAverage());
            assertThat(inserted).isEqualTo((long) clients * perClient * BATCH);
        } finally {
            pool.shutdownNow();
        }
    }

    private long post(byte[] body) {
        Http.Reply reply = new Http(port).post(body, "application/json");
        assertThat(reply.status()).isEqualTo(200);
        return reply.body().get("param").get("summary").get("successfully_inserted").asLong();
    }

    /**
     * Each step of the flow on its own, in process, on fresh batches: where one batch's time goes. Here the steps run
     * one after the other; in the flow the markers follow the reply, and the existence check runs only for ids that could have a row.
     */
    @Test
    void measureSpansOfOneBatch() throws Exception {
        int runs = 8;
        Map<String, Long> nanos = new java.util.LinkedHashMap<>();
        for (int run = 0; run < runs + 2; run++) {
            boolean counted = run >= 2;
            List<ObjectNode> batch = IntStream.range(0, BATCH).mapToObj(i -> events.event()).toList();
            byte[] body = TestEvents.bulk(batch, true).toString().getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            IngestBatch parsed = IngestBatch.of("http", parser.parse(body));
            long t1 = System.nanoTime();
            flow.validate(parsed);
            long t2 = System.nanoTime();
            List<InferenceEvent> valid = IntStream.range(0, parsed.size()).mapToObj(parsed::event).toList();
            Map<UUID, Integer> first = new java.util.LinkedHashMap<>();
            for (int i = 0; i < valid.size(); i++) {
                first.put(valid.get(i).inferenceId(), i);
            }
            Deduplicator.Claims claims = deduplicator.claim(first.keySet());
            long t3 = System.nanoTime();
            assertThat(writer.existing(claims.acquired())).isEmpty();
            long t4 = System.nanoTime();
            writer.insert(valid);
            long t5 = System.nanoTime();
            deduplicator.finish(claims, claims.acquired());
            long t6 = System.nanoTime();
            for (int i = 0; i < parsed.size(); i++) {
                parsed.set(i, Outcome.INSERTED);
            }
            byte[] reply = mapper.writeValueAsBytes(IngestReply.of(parsed));
            long t7 = System.nanoTime();
            assertThat(reply.length).isPositive();
            if (counted) {
                nanos.merge("parse", t1 - t0, Long::sum);
                nanos.merge("validate", t2 - t1, Long::sum);
                nanos.merge("claims", t3 - t2, Long::sum);
                nanos.merge("existence check", t4 - t3, Long::sum);
                nanos.merge("insert", t5 - t4, Long::sum);
                nanos.merge("markers (after the reply in the flow)", t6 - t5, Long::sum);
                nanos.merge("reply", t7 - t6, Long::sum);
            }
        }
        StringBuilder line = new StringBuilder();
        long total = nanos.values().stream().mapToLong(Long::longValue).sum();
        nanos.forEach((step, n) -> line.append(step).append(' ').append(String.format("%.1f", n / 1e6 / runs)).append(" ms, "));
        log.info("INGEST SPAN per batch of {} (mean of {}): {}total {} ms (load average {})", BATCH, runs, line,
                String.format("%.1f", total / 1e6 / runs), loadAverage());
    }

    private void jdbcInsert(List<InferenceEvent> events) {
        String sql = "INSERT INTO ModelInferenceDetails_floor (inference_id, request_ip, project_id, endpoint_id, model_id, cost,"
                + " response_analysis, is_success, request_arrival_time, request_forward_time, api_key_id, user_id, api_key_project_id,"
                + " error_code, error_message, error_type, status_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (InferenceEvent e : events) {
                statement.setObject(1, e.inferenceId());
                nullable(statement, 2, e.requestIp(), Types.VARCHAR);
                statement.setObject(3, e.projectId());
                statement.setObject(4, e.endpointId());
                statement.setObject(5, e.modelId());
                nullable(statement, 6, e.cost(), Types.DOUBLE);
                nullable(statement, 7, e.responseAnalysis(), Types.VARCHAR);
                statement.setBoolean(8, e.isSuccess());
                statement.setObject(9, e.requestArrivalTime());
                statement.setObject(10, e.requestForwardTime());
                nullable(statement, 11, e.apiKeyId(), Types.VARCHAR);
                nullable(statement, 12, e.userId(), Types.VARCHAR);
                nullable(statement, 13, e.apiKeyProjectId(), Types.VARCHAR);
                nullable(statement, 14, e.errorCode(), Types.VARCHAR);
                nullable(statement, 15, e.errorMessage(), Types.VARCHAR);
                nullable(statement, 16, e.errorType(), Types.VARCHAR);
                nullable(statement, 17, e.statusCode(), Types.INTEGER);
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void nullable(PreparedStatement statement, int index, Object value, int type) throws SQLException {
        if (value == null) {
            statement.setNull(index, type);
        } else {
            statement.setObject(index, value);
        }
    }

    /** CPU seconds of this JVM's threads by name (digits dropped), and of the whole process (the engine's own threads too). */
    private static void logCpu(Map<String, Long> before, long processBefore, double wallSeconds) {
        Map<String, Long> after = cpuByThreadGroup();
        Map<String, Long> spent = new java.util.TreeMap<>();
        after.forEach((group, nanos) -> {
            long delta = nanos - before.getOrDefault(group, 0L);
            if (delta > 5_000_000) {
                spent.put(group, delta);
            }
        });
        StringBuilder line = new StringBuilder();
        spent.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> line.append(e.getKey()).append(' ').append(String.format("%.2f", e.getValue() / 1e9)).append(" s, "));
        log.info("INGEST CPU during {} s of HTTP bulk: process {} s; Java threads: {}", String.format("%.2f", wallSeconds),
                String.format("%.2f", (processCpuNanos() - processBefore) / 1e9), line);
    }

    private static final List<String> ENGINE_EVENTS = List.of("InsertQuery", "SelectQuery", "InsertedRows", "MergedRows",
            "MergeTotalMilliseconds", "MergesTimeMilliseconds", "UserTimeMicroseconds", "SystemTimeMicroseconds");

    /** The engine's process-wide event counters (system.events) named in ENGINE_EVENTS. */
    private Map<String, Long> engineEvents() {
        Map<String, Long> values = new java.util.TreeMap<>();
        try {
            for (List<Object> row : rows.query("SELECT event, value FROM system.events WHERE has(?, event)",
                    (Object) ENGINE_EVENTS.toArray(String[]::new))) {
                values.put((String) row.get(0), ((Number) row.get(1)).longValue());
            }
        } catch (RuntimeException e) {
            log.debug("system.events not available: {}", e.getMessage());
        }
        return values;
    }

    private static Map<String, Long> cpuByThreadGroup() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new HashMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu > 0) {
                    byGroup.merge(info.getThreadName().replaceAll("\\d+", "N"), cpu, Long::sum);
                }
            }
        }
        return byGroup;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String loadAverage() {
        return String.format("%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
