package ai.bud.metrics.seed;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine-side mode ({@code --engine}): ClickHouse generates the rows itself, chunk by chunk, with
 * {@link EngineGeneration}'s {@code INSERT … SELECT}; nothing crosses the wire but the statements. Per chunk the
 * ModelInference rows go first and then the ModelInferenceDetails rows, as in production, where the gateway writes its
 * call before the metrics event arrives (a materialized view on the details that looks the call up finds it).
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

    private final ClickHouseHttp clickHouse;
    private final EngineGeneration generation;
    private final long chunk;
    private final int parallel;
    private final boolean includeModelInference;
    private final Map<String, String> detailsSettings;
    private final Map<String, String> modelInferenceSettings;

    EngineLoad(ClickHouseHttp clickHouse, EngineGeneration generation, long chunk, int parallel, boolean includeModelInference,
            Map<String, String> extraSettings) {
        this.clickHouse = clickHouse;
        this.generation = generation;
        this.chunk = chunk;
        this.parallel = parallel;
        this.includeModelInference = includeModelInference;
        this.detailsSettings = merged(DETAILS_SETTINGS, extraSettings);
        this.modelInferenceSettings = merged(MODEL_INFERENCE_SETTINGS, extraSettings);
    }

    /** Loads every chunk ({@code parallel} at a time), showing progress after each. */
    Result run(Progress progress) {
        long records = generation.records();
        long calls = includeModelInference ? clickHouse.count(generation.modelInferenceCount()) : 0;
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
                    if (includeModelInference) {
                        clickHouse.execute(generation.modelInferenceInsert(from, count), modelInferenceSettings);
                    }
                    clickHouse.execute(generation.detailsInsert(from, count), detailsSettings);
                    progress.update(done.addAndGet(count), System.nanoTime(), false);
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
        return new Result(records, calls);
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
