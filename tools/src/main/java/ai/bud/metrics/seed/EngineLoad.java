package ai.bud.metrics.seed;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The engine-side mode ({@code --engine}): ClickHouse generates the rows itself, chunk by chunk, with
 * {@link EngineGeneration}'s {@code INSERT … SELECT}; nothing crosses the wire but the statements.
 * <p>
 * <b>Staged</b> (the tables are plain MergeTree and the only views on them are the rollup's feeds of migrations 004 and
 * 005): a chunk's rows go into two empty staging tables of the same structure, which no view reads; the chunk's requests
 * and its pairs (each ModelInferenceDetails row joined to its ModelInference row, both in the chunk) are inserted into
 * the rollup's two Null tables, whose views add them up as they add up what the feeds send; then the staging tables'
 * partitions are attached to the real tables ({@code ATTACH PARTITION … FROM}, which moves parts and runs no view).
 * The rollup gets what the feeds would have sent, pair for pair, without each insert block looking up the other table
 * over a window of days (docs/SEEDER.md, "Speed").
 * <p>
 * <b>Direct</b> (anything else: Replicated or Distributed tables, other views): per chunk the ModelInference rows go
 * first and then the ModelInferenceDetails rows, as in production, where the gateway writes its call before the metrics
 * event arrives (a materialized view on the details that looks the call up finds it).
 */
final class EngineLoad {

    /**
     * Settings of the ModelInference INSERTs: two insert pipelines, and the generated blocks (65,409 rows) written as
     * parts as they come. Squashing them into larger blocks first (fewer parts, less merging later) cost 25-100 % more
     * CPU: the large blocks' memory is fresh pages every time, and page faults are dear on this VM (a quarter of the
     * samples of a profile). See docs/SEEDER.md, "Speed".
     */
    static final Map<String, String> MODEL_INFERENCE_SETTINGS = Map.of(
            "max_insert_threads", "2",
            "min_insert_block_size_rows", "0",
            "min_insert_block_size_bytes", "0");

    /** Settings of the ModelInferenceDetails INSERTs: its rows are half as wide, so squashing to 262,144 rows costs nothing. */
    static final Map<String, String> DETAILS_SETTINGS = Map.of(
            "max_insert_threads", "2",
            "min_insert_block_size_rows", "262144",
            "min_insert_block_size_bytes", "0");

    record Result(long details, long modelInference) {
    }

    /** The views on ModelInferenceDetails and ModelInference that a staged load stands in for (migrations 004, 005). */
    static final Set<String> ROLLUP_FEEDS = Set.of("InferenceRollupRequestsFromDetails", "InferenceRollupPairsOnDetails",
            "InferenceRollupPairsOnInference");

    private static final String STAGE_DETAILS = "SeedStageDetails";
    private static final String STAGE_INFERENCE = "SeedStageInference";

    private final ClickHouseHttp clickHouse;
    private final EngineGeneration generation;
    private final long chunk;
    /** Chunks in flight as asked ({@code --parallel}), or 0: {@link #parallel()} picks. */
    private final int requestedParallel;
    private final boolean includeModelInference;
    private final Map<String, String> detailsSettings;
    private final Map<String, String> modelInferenceSettings;
    private final StepTimes steps = new StepTimes();

    EngineLoad(ClickHouseHttp clickHouse, EngineGeneration generation, long chunk, int parallel, boolean includeModelInference,
            Map<String, String> extraSettings) {
        this.clickHouse = clickHouse;
        this.generation = generation;
        this.chunk = chunk;
        this.requestedParallel = parallel;
        this.includeModelInference = includeModelInference;
        this.detailsSettings = merged(DETAILS_SETTINGS, extraSettings);
        this.modelInferenceSettings = merged(MODEL_INFERENCE_SETTINGS, extraSettings);
    }

    /**
     * Chunks in flight: as asked, else 2 for a staged load (one chunk's generation beside the other's feeds: 69-70 s
     * against 73-77 s for 10M rows; docs/SEEDER.md) and 1 for a direct one (whose views slowed down with 2: 94 s
     * against 81-87 s).
     */
    int parallel() {
        return requestedParallel > 0 ? requestedParallel : staged() ? 2 : 1;
    }

    /** Loads every chunk ({@link #parallel()} at a time), showing progress after each. */
    Result run(Progress progress) {
        int parallel = parallel();
        long records = generation.records();
        long calls = includeModelInference ? clickHouse.count(generation.modelInferenceCount()) : 0;
        Set<String> feeds = stagedFeeds();
        BlockingQueue<Integer> stages = new ArrayBlockingQueue<>(parallel);
        if (feeds != null) {
            for (int i = 0; i < parallel; i++) {
                createStage(i);
                stages.add(i);
            }
        }
        try {
            chunks(records, parallel, progress, feeds == null ? null : (from, count) -> {
                int stage = stages.take();
                try {
                    staged(stage, feeds, from, count);
                } finally {
                    stages.add(stage);
                }
            });
        } finally {
            if (feeds != null) {
                for (int i = 0; i < parallel; i++) {
                    dropStage(i);
                }
            }
        }
        return new Result(records, calls);
    }

    /** Whether the load is {@code staged}: {@code true} when the tables are plain MergeTree read by no view but the rollup's feeds. */
    boolean staged() {
        return stagedFeeds() != null;
    }

    /**
     * The rollup feeds on the two tables when a load may stand in for them (both plain MergeTree, no other view reading
     * them), or {@code null}: load directly.
     */
    private Set<String> stagedFeeds() {
        if (probed == null) {
            probed = java.util.Optional.ofNullable(probeFeeds());
        }
        return probed.orElse(null);
    }

    /** What {@link #stagedFeeds} gives, asked of the engine once per load (the announcement and the run share it). */
    private java.util.Optional<Set<String>> probed;

    private Set<String> probeFeeds() {
        Set<String> feeds = new java.util.HashSet<>();
        List<String> tables = includeModelInference ? List.of("ModelInferenceDetails", "ModelInference") : List.of("ModelInferenceDetails");
        for (String table : tables) {
            String[] row = clickHouse.query("SELECT engine, arrayStringConcat(dependencies_table, ',') FROM system.tables"
                    + " WHERE database = currentDatabase() AND name = '" + table + "'").split("\t", -1);
            if (row.length != 2 || !row[0].equals("MergeTree")) {
                return null;
            }
            for (String view : row[1].split(",")) {
                if (!view.isEmpty()) {
                    feeds.add(view);
                }
            }
        }
        if (!ROLLUP_FEEDS.containsAll(feeds)) {
            return null;
        }
        return feeds;
    }

    private void createStage(int stage) {
        for (String[] pair : new String[][] {{STAGE_DETAILS, "ModelInferenceDetails"}, {STAGE_INFERENCE, "ModelInference"}}) {
            if (pair[1].equals("ModelInference") && !includeModelInference) {
                continue;
            }
            clickHouse.query("DROP TABLE IF EXISTS " + pair[0] + stage);
            clickHouse.query("CREATE TABLE " + pair[0] + stage + " AS " + pair[1]);
        }
    }

    private void dropStage(int stage) {
        clickHouse.query("DROP TABLE IF EXISTS " + STAGE_DETAILS + stage);
        clickHouse.query("DROP TABLE IF EXISTS " + STAGE_INFERENCE + stage);
    }

    /**
     * One chunk through staging table pair {@code stage}: generated into it, the rollup's Null tables fed from it (what
     * {@code feeds} would send for these rows), then its parts attached to the real tables, leaving the stage empty.
     */
    private void staged(int stage, Set<String> feeds, long from, long count) {
        String details = STAGE_DETAILS + stage;
        String calls = STAGE_INFERENCE + stage;
        if (includeModelInference) {
            steps.time("ModelInference generated", () -> clickHouse.execute(generation.modelInferenceInsert(calls, from, count),
                    modelInferenceSettings));
        }
        steps.time("ModelInferenceDetails generated", () -> clickHouse.execute(generation.detailsInsert(details, from, count), detailsSettings));
        if (feeds.contains("InferenceRollupRequestsFromDetails")) {
            // the view's own SELECT (migration 004), over the chunk
            steps.time("rollup fed with the requests", () -> clickHouse.execute("INSERT INTO InferenceRollupRequests\n"
                    + "SELECT project_id, model_id, endpoint_id, request_arrival_time, request_forward_time, is_success\nFROM " + details,
                    FEED_SETTINGS));
        }
        if (includeModelInference && (feeds.contains("InferenceRollupPairsOnDetails") || feeds.contains("InferenceRollupPairsOnInference"))) {
            // each pair once, as the two views of migration 005 give it (whichever row is stored second contributes it)
            steps.time("rollup fed with the pairs", () -> clickHouse.execute("INSERT INTO InferenceRollupPairs\n"
                    + "SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,\n"
                    + "    d.request_arrival_time AS request_arrival_time, i.input_tokens AS input_tokens, i.output_tokens AS output_tokens,\n"
                    + "    i.response_time_ms AS response_time_ms, i.ttft_ms AS ttft_ms, i.cached AS cached\n"
                    + "FROM " + details + " AS d\nINNER ANY JOIN " + calls + " AS i ON i.inference_id = d.inference_id", FEED_SETTINGS));
        }
        steps.time("parts attached", () -> {
            attach(details, "ModelInferenceDetails");
            if (includeModelInference) {
                attach(calls, "ModelInference");
            }
        });
    }

    /** Where a staged load's time went: each step's seconds, summed over the chunks (which overlap when several are in flight). */
    String stepSummary() {
        return steps.summary();
    }

    /** Wall time per named step, summed over the chunks; steps in the order first timed. */
    private static final class StepTimes {
        private final Map<String, Long> nanos = new LinkedHashMap<>();

        void time(String step, Runnable work) {
            long started = System.nanoTime();
            try {
                work.run();
            } finally {
                long took = System.nanoTime() - started;
                synchronized (this) {
                    nanos.merge(step, took, Long::sum);
                }
            }
        }

        synchronized String summary() {
            return nanos.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey(), e.getValue() / 1e9))
                    .collect(Collectors.joining(", "));
        }
    }

    /** Settings of the feeds: a chunk may span partitions of the rollup tables. */
    private static final Map<String, String> FEED_SETTINGS = Map.of("max_partitions_per_insert_block", "0");

    /** Moves every part of {@code stage} into {@code table}, partition by partition; no view runs. */
    private void attach(String stage, String table) {
        String partitions = clickHouse.query("SELECT DISTINCT partition_id FROM system.parts WHERE database = currentDatabase()"
                + " AND table = '" + stage + "' AND active ORDER BY partition_id");
        for (String partition : partitions.split("\n")) {
            if (!partition.isBlank()) {
                clickHouse.query("ALTER TABLE " + table + " ATTACH PARTITION ID '" + partition.strip() + "' FROM " + stage);
            }
        }
        clickHouse.query("TRUNCATE TABLE " + stage);
    }

    private interface Chunk {
        void load(long from, long count) throws Exception;
    }

    /** Runs every chunk ({@code parallel} at a time) through {@code staged}, or directly when it is {@code null}. */
    private void chunks(long records, int parallel, Progress progress, Chunk staged) {
        AtomicLong done = new AtomicLong();
        ExecutorService workers = Executors.newFixedThreadPool(parallel, r -> {
            Thread thread = new Thread(r, "seed-engine");
            thread.setDaemon(true);
            return thread;
        });
        List<Future<?>> chunks = new ArrayList<>();
        try {
            for (long start = 0; start < records; start += chunk) {
                long from = start;
                long count = Math.min(chunk, records - start);
                chunks.add(workers.submit(() -> {
                    if (staged != null) {
                        staged.load(from, count);
                    } else {
                        if (includeModelInference) {
                            clickHouse.execute(generation.modelInferenceInsert(from, count), modelInferenceSettings);
                        }
                        clickHouse.execute(generation.detailsInsert(from, count), detailsSettings);
                    }
                    progress.update(done.addAndGet(count), System.nanoTime(), false);
                    return null;
                }));
            }
            for (Future<?> future : chunks) {
                future.get();
            }
        } catch (ExecutionException e) {
            chunks.forEach(f -> f.cancel(false));
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new SeedException("engine-side insert failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SeedException("interrupted", e);
        } finally {
            workers.shutdownNow();
        }
        progress.update(done.get(), System.nanoTime(), true);
    }

    private static Map<String, String> merged(Map<String, String> defaults, Map<String, String> extra) {
        Map<String, String> merged = new LinkedHashMap<>(defaults);
        merged.putAll(extra);
        return Map.copyOf(merged);
    }

    /**
     * Checks, month by month (one month's ids fit in memory where a hundred million would not), that the run's projects
     * hold exactly the generated rows, each inference once, and that exactly the generated ModelInference rows belong to
     * them. The run started on tables without rows of these projects.
     */
    boolean verify(PrintStream out, String projects, Result result) {
        String ours = "project_id IN (" + projects + ")";
        List<String> months = List.of(clickHouse.query("SELECT DISTINCT toYYYYMM(request_arrival_time) FROM ModelInferenceDetails WHERE "
                + ours + " ORDER BY 1").split("\n"));
        long rows = 0;
        long distinct = 0;
        long calls = 0;
        for (String month : months) {
            if (month.isBlank()) {
                continue;
            }
            String inMonth = ours + " AND toYYYYMM(request_arrival_time) = " + Long.parseLong(month.strip());
            String[] counts = clickHouse.query("SELECT count(), uniqExact(inference_id) FROM ModelInferenceDetails WHERE " + inMonth)
                    .split("\t");
            rows += Long.parseLong(counts[0]);
            distinct += Long.parseLong(counts[1]);
            if (includeModelInference) {
                calls += clickHouse.count("SELECT count() FROM ModelInference WHERE toYYYYMM(timestamp) = " + Long.parseLong(month.strip())
                        + " AND inference_id IN (SELECT inference_id FROM ModelInferenceDetails WHERE " + inMonth + ")");
            }
        }
        boolean detailsOk = rows == result.details();
        boolean unique = rows == distinct;
        boolean callsOk = calls == result.modelInference();
        out.printf(Locale.ROOT, "verify: ModelInferenceDetails holds %,d rows of these projects, generated %,d: %s%n", rows,
                result.details(), detailsOk ? "ok" : "MISMATCH");
        out.printf(Locale.ROOT, "verify: %,d rows, %,d distinct inference ids (month by month): %s%n", rows, distinct,
                unique ? "ok" : "MISMATCH (an inference is stored twice)");
        if (includeModelInference) {
            out.printf(Locale.ROOT, "verify: ModelInference holds %,d rows of these inferences, generated %,d: %s%n", calls,
                    result.modelInference(), callsOk ? "ok" : "MISMATCH");
        }
        return detailsOk && unique && (callsOk || !includeModelInference);
    }
}
