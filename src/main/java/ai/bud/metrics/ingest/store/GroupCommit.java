package ai.bud.metrics.ingest.store;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the inserts of batches processed at the same time into one INSERT (group commit). Each caller encodes its
 * rows on its own thread and waits; a writer thread takes whatever is queued when it is free — up to
 * {@code maxRows} rows — and sends it as one INSERT. A lone batch is inserted at once; under load (the last INSERT,
 * or the one being gathered, joins several batches) the writer waits up to {@code linger} for more, so the callers
 * just answered come back in time to join the next INSERT rather than the one after. On the embedded engine an
 * INSERT costs about as much as 4000 rows before its first row (a new part in each table the rollup's views write,
 * and the merges that follow), so fewer, larger inserts are most of the ingest rate.
 *
 * <p>Each caller's outcome stays its own: one INSERT is one block (all its rows or none); when a joint insert is
 * refused without anything written (e.g. one batch holds a value ClickHouse rejects), each batch is inserted again
 * on its own, so the others are stored and the culprit gets its own error; when a joint insert fails ambiguously
 * (no answer), every batch in it gets that failure (its claims are kept until the write can no longer land). A
 * batch not taken within {@code maxWait} (the writer busy or stuck) fails as not written, well inside its claim.
 */
final class GroupCommit implements AutoCloseable {

    /** Sends one INSERT of encoded rows (RowBinary, which concatenates); throws {@link StorageException}. */
    @FunctionalInterface
    interface Sender {
        void send(byte[] rows, String what);
    }

    private record Pending(byte[] rows, int count, long takeBy, CompletableFuture<Void> done) {
    }

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Sender sender;
    private final int maxRows;
    private final long maxWaitNanos;
    private final long lingerNanos;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param writers how many INSERTs may run at once (1 joins the most; more only help a remote server whose round
     *                trip dominates)
     */
    GroupCommit(Sender sender, int maxRows, Duration maxWait, int writers) {
        this(sender, maxRows, maxWait, writers, Duration.ZERO);
    }

    /**
     * @param linger how long a writer under load (its last INSERT, or the one it is gathering, joins several batches)
     *               waits for further batches before it sends (0: never; a lone batch never waits); at most a
     *               quarter of {@code maxWait}
     */
    GroupCommit(Sender sender, int maxRows, Duration maxWait, int writers, Duration linger) {
        this.sender = sender;
        // a batch must be taken and sent within maxWait: the linger stays well inside it
        this.lingerNanos = Math.min(linger.toNanos(), maxWait.toNanos() / 4);
        this.maxRows = Math.max(1, maxRows);
        this.maxWaitNanos = maxWait.toNanos();
        for (int i = 0; i < Math.max(1, writers); i++) {
            Thread thread = new Thread(this::run, "ingest-insert-" + i);
            thread.setDaemon(true);
            thread.start();
            this.writers.add(thread);
        }
    }

    /** Inserts {@code count} encoded rows as part of the next INSERT; returns once they are stored. */
    void insert(byte[] rows, int count) {
        if (closed) {
            throw new StorageException("the service is stopping; nothing was inserted", null, true);
        }
        Pending pending = new Pending(rows, count, System.nanoTime() + maxWaitNanos, new CompletableFuture<>());
        queue.add(pending);
        try {
            // bounded, should a writer ever be gone: the wait for a turn, then the insert's own time
            pending.done().get(4 * maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StorageException("no answer from the insert writer", e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // the writer may still send it: not "nothing written"
            throw new StorageException("interrupted while waiting for the insert", e, false);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException storage) {
                throw storage;
            }
            throw new StorageException("insert failed", e.getCause(), false);
        }
    }

    private void run() {
        new QueuedGroups<>(queue, Pending::count, maxRows, lingerNanos).drain(() -> closed,
                group -> write(group, group.stream().mapToInt(Pending::count).sum()),
                (group, e) -> {
                    // never leave a caller waiting: write() completes every future, this is a last resort
                    group.forEach(p -> p.done().completeExceptionally(e));
                    log.warn("group commit writer: {}", e.toString());
                });
    }

    private void write(List<Pending> group, int rows) {
        long now = System.nanoTime();
        List<Pending> live = new ArrayList<>(group.size());
        for (Pending pending : group) {
            if (now - pending.takeBy() > 0) {
                pending.done().completeExceptionally(new StorageException("the insert waited longer than "
                        + Duration.ofNanos(maxWaitNanos).toMillis() + " ms for its turn; nothing was inserted", null, true));
                rows -= pending.count();
            } else {
                live.add(pending);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        if (live.size() == 1) {
            sendAlone(live.get(0));
            return;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(live.stream().mapToInt(p -> p.rows().length).sum());
        for (Pending pending : live) {
            body.writeBytes(pending.rows());
        }
        try {
            long start = System.nanoTime();
            sender.send(body.toByteArray(), rows + " events of " + live.size() + " batches");
            live.forEach(p -> p.done().complete(null));
            if (log.isDebugEnabled()) {
                log.debug("inserted {} rows of {} batches in {} ms", rows, live.size(), (System.nanoTime() - start) / 1_000_000);
            }
        } catch (StorageException e) {
            if (e.nothingWritten()) {
                // one batch may hold what ClickHouse refuses: each on its own, so the others are stored
                live.forEach(this::sendAlone);
            } else {
                live.forEach(p -> p.done().completeExceptionally(e));
            }
        }
    }

    private void sendAlone(Pending pending) {
        try {
            long start = System.nanoTime();
            sender.send(pending.rows(), pending.count() + " events");
            pending.done().complete(null);
            if (log.isDebugEnabled()) {
                log.debug("inserted {} rows of 1 batch in {} ms", pending.count(), (System.nanoTime() - start) / 1_000_000);
            }
        } catch (RuntimeException e) {
            pending.done().completeExceptionally(e);
        }
    }

    /** Batches waiting for their turn (tests). */
    int queued() {
        return queue.size();
    }

    /** Stops taking new batches, inserts those queued, then stops the writers (at most 10 s). */
    @Override
    public void close() {
        closed = true;
        for (Thread writer : writers) {
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.done().completeExceptionally(new StorageException("the service stopped; nothing was inserted", null, true));
        }
    }
}
