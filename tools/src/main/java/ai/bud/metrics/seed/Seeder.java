package ai.bud.metrics.seed;

import java.io.PrintStream;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * One seeding run: generates the inferences batch by batch on this thread, while {@code --parallel} workers
 * encode and write earlier batches; then reports, and with {@code --verify} checks ClickHouse.
 */
final class Seeder {

    record Report(long sent, long inserted, long duplicates, long failed, long modelInferenceInserted, double seconds,
            boolean verified, List<String> problems) {

        double rate() {
            return seconds <= 0 ? 0 : sent / seconds;
        }

        boolean ok() {
            return failed == 0 && verified;
        }
    }

    private final SeedOptions options;
    private final ClickHouseTarget target;
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    Seeder(SeedOptions options, ClickHouseTarget target, Map<String, String> env, PrintStream out, PrintStream err, boolean terminal) {
        this.options = options;
        this.target = target;
        this.env = env;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    Report run() {
        Catalog catalog = Catalog.generate(new SplittableRandom(options.seed()), options.projects(), options.models());
        InferenceGenerator generator = new InferenceGenerator(catalog, options.seed(), options.from().toEpochMilli(),
                options.to().toEpochMilli());
        String projects = catalog.projects().stream().map(p -> "'" + p.id() + "'").collect(Collectors.joining(","));
        long[] before = target == null ? null : counts(projects);
        if (options.mode() == SeedOptions.Mode.ENGINE) {
            return engine(catalog, projects, before[0]);
        }

        InferenceSink sink;
        if (options.mode() == SeedOptions.Mode.DIRECT) {
            Set<UUID> stored = before[0] > 0 ? storedIds(projects) : Set.of();
            sink = new DirectSink(target.http(), options.includeModelInference(), stored);
        } else {
            sink = new ApiSink(options.url(), target == null ? null : target.http(), options.includeModelInference(),
                    env.get("APP_API_TOKEN"), options.seed());
        }
        announce(catalog, options.mode() == SeedOptions.Mode.API
                ? "through " + ((ApiSink) sink).endpoint() + (target == null ? "" : ", ModelInference into " + target.describe())
                : "into " + target.describe());

        AtomicLong sent = new AtomicLong();
        AtomicLong inserted = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger problemCount = new AtomicInteger();
        AtomicReference<RuntimeException> fatal = new AtomicReference<>();

        long started = System.nanoTime();
        Progress progress = new Progress(err, terminal, options.records(), started);
        ExecutorService workers = Executors.newFixedThreadPool(options.parallel(), r -> {
            Thread thread = new Thread(r, "seed-writer");
            thread.setDaemon(true);
            return thread;
        });
        Semaphore inFlight = new Semaphore(options.parallel() + 1);
        try {
            long remaining = options.records();
            while (remaining > 0 && fatal.get() == null) {
                int size = (int) Math.min(options.batchSize(), remaining);
                List<GeneratedInference> batch = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    batch.add(generator.next());
                }
                remaining -= size;
                inFlight.acquireUninterruptibly();
                workers.execute(() -> {
                    try {
                        if (fatal.get() != null) {
                            return;
                        }
                        BatchOutcome outcome = sink.write(batch);
                        inserted.addAndGet(outcome.inserted());
                        duplicates.addAndGet(outcome.duplicates());
                        failed.addAndGet(outcome.failed());
                        calls.addAndGet(outcome.modelInferenceInserted());
                        if (outcome.problem() != null && problemCount.incrementAndGet() <= 5) {
                            problems.add(outcome.problem());
                        }
                        progress.update(sent.addAndGet(outcome.sent()), System.nanoTime(), false);
                    } catch (RuntimeException e) {
                        fatal.compareAndSet(null, e);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        } finally {
            workers.shutdown();
            awaitQuietly(workers);
        }
        if (fatal.get() != null) {
            progress.finish();
            throw fatal.get();
        }
        progress.update(sent.get(), System.nanoTime(), true);
        progress.finish();
        if (target != null) {
            mergeDailySeconds();
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        boolean verified = true;
        if (options.verify()) {
            verified = verify(projects, before, inserted.get(), calls.get());
        }
        return new Report(sent.get(), inserted.get(), duplicates.get(), failed.get(), calls.get(), seconds, verified, List.copyOf(problems));
    }

    private void announce(Catalog catalog, String where) {
        out.printf(Locale.ROOT, "seeding %,d inferences (seed %d; %d projects, %d models, %d endpoints; %s .. %s) %s%n",
                options.records(), options.seed(), catalog.projects().size(), catalog.models().size(), catalog.endpoints().size(),
                options.from().truncatedTo(ChronoUnit.MILLIS), options.to().truncatedTo(ChronoUnit.MILLIS), where);
    }

    /** The engine-side mode: ClickHouse generates the rows (EngineLoad); a seed is loaded once into a database. */
    private Report engine(Catalog catalog, String projects, long stored) {
        if (stored > 0) {
            throw new SeedException(String.format(Locale.ROOT, "ModelInferenceDetails already holds %,d rows of seed %d's projects;"
                    + " the engine-side mode loads a seed once into a database: use another --seed or --database, or --direct-db"
                    + " (which skips stored inferences)", stored, options.seed()));
        }
        EngineGeneration generation = new EngineGeneration(catalog, options.seed(), options.records(), options.from().toEpochMilli(),
                options.to().toEpochMilli(), options.database());
        EngineLoad load = new EngineLoad(target.http(), generation, options.batchSize(), options.parallel(),
                options.includeModelInference(), options.engineSettings());
        announce(catalog, String.format(Locale.ROOT, "generated inside %s (INSERT … SELECT, %,d rows per statement, %d in flight; %s)",
                target.describe(), options.batchSize(), load.parallel(), load.staged()
                        ? "staged: each chunk into staging tables, the rollup fed from them, their parts attached"
                        : "direct: into the tables, their views feeding the rollup"));
        long started = System.nanoTime();
        Progress progress = new Progress(err, terminal, options.records(), started);
        EngineLoad.Result result;
        try {
            result = load.run(progress);
        } finally {
            progress.finish();
        }
        if (load.staged()) {
            out.printf(Locale.ROOT, "staged load, wall seconds per step summed over the chunks (%d in flight): %s%n", load.parallel(),
                    load.stepSummary());
        }
        mergeDailySeconds();
        double seconds = (System.nanoTime() - started) / 1e9;
        boolean verified = !options.verify() || load.verify(out, projects, result);
        return new Report(result.details(), result.details(), 0, 0, result.modelInference(), seconds, verified, List.of());
    }

    /**
     * Merges the parts of InferenceSecondCountsDaily (migration 007), when the database has it. A load spreads every
     * insert over many past days, so each series' day lies in as many parts, and a statement reading the table FINAL adds
     * their per-second maps up on every read: the reference heavy call took over 30 s at 100M rows until they were merged
     * (27 s, once). Live traffic writes only the current day, whose parts the engine's own merges keep few. The answers
     * are exact either way; this is their speed.
     */
    private void mergeDailySeconds() {
        if (target.http().count("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'InferenceSecondCountsDaily'") == 0) {
            return;
        }
        long started = System.nanoTime();
        target.http().query("OPTIMIZE TABLE InferenceSecondCountsDaily FINAL");
        out.printf(Locale.ROOT, "merged the parts of InferenceSecondCountsDaily (OPTIMIZE … FINAL) in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** [rows, distinct inference ids] of this catalog's projects in ModelInferenceDetails, and [2] its ModelInference rows. */
    private long[] counts(String projects) {
        String[] details = target.http().query("SELECT count(), uniqExact(inference_id) FROM ModelInferenceDetails WHERE project_id IN ("
                + projects + ")").split("\t");
        long calls = !options.includeModelInference() ? 0 : target.http().count("SELECT count() FROM ModelInference WHERE inference_id IN "
                + "(SELECT inference_id FROM ModelInferenceDetails WHERE project_id IN (" + projects + "))");
        return new long[] {Long.parseLong(details[0]), Long.parseLong(details[1]), calls};
    }

    private Set<UUID> storedIds(String projects) {
        String answer = target.http().query("SELECT inference_id FROM ModelInferenceDetails WHERE project_id IN (" + projects + ")");
        Set<UUID> ids = new HashSet<>();
        for (String line : answer.split("\n")) {
            if (!line.isBlank()) {
                ids.add(UUID.fromString(line));
            }
        }
        return ids;
    }

    private boolean verify(String projects, long[] before, long inserted, long calls) {
        long[] after = counts(projects);
        boolean detailsOk = after[0] - before[0] == inserted;
        boolean unique = after[0] == after[1];
        out.printf(Locale.ROOT, "verify: ModelInferenceDetails gained %,d rows, reported inserted %,d: %s%n", after[0] - before[0], inserted,
                detailsOk ? "ok" : "MISMATCH");
        out.printf(Locale.ROOT, "verify: %,d rows of these projects, %,d distinct inference ids: %s%n", after[0], after[1],
                unique ? "ok" : "MISMATCH (an inference is stored twice)");
        boolean callsOk = true;
        if (options.includeModelInference()) {
            callsOk = after[2] - before[2] == calls;
            out.printf(Locale.ROOT, "verify: ModelInference gained %,d rows, written %,d: %s%n", after[2] - before[2], calls,
                    callsOk ? "ok" : "MISMATCH");
        }
        return detailsOk && unique && callsOk;
    }

    private static void awaitQuietly(ExecutorService workers) {
        try {
            while (!workers.awaitTermination(1, TimeUnit.SECONDS)) {
                Thread.onSpinWait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
