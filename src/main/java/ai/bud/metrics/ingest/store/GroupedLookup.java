package ai.bud.metrics.ingest.store;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Joins the ClickHouse existence checks of batches processed at the same time into one query: the check reads the
 * whole {@code inference_id} column whatever the number of ids, so eight batches of a backlog asking at once cost
 * one read instead of eight. Each caller submits its ids (after its claims are taken, so the joint query runs under
 * every caller's claims) and gets back those of its ids that have a row; a thread takes whatever is queued when it is
 * free — no timer, a lone check goes at once. A failure reaches every caller of that query.
 */
final class GroupedLookup implements AutoCloseable {

    /** Answers which of {@code ids} have a row; throws {@link StorageException}. */
    @FunctionalInterface
    interface Lookup {
        Set<UUID> find(List<UUID> ids);
    }

    private record Pending(Collection<UUID> ids, CompletableFuture<Set<UUID>> found) {
    }

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Lookup lookup;
    private final int maxIds;
    private final Duration timeout;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param maxIds  most ids joined into one query (a batch is never split; a larger one goes alone)
     * @param timeout longest a caller waits for its answer
     */
    GroupedLookup(Lookup lookup, int maxIds, Duration timeout) {
        this.lookup = lookup;
        this.maxIds = Math.max(1, maxIds);
        this.timeout = timeout;
        this.thread = new Thread(this::run, "ingest-existence-check");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The ids among {@code ids} that have a row. */
    Set<UUID> find(Collection<UUID> ids) {
        if (closed) {
            return lookup.find(List.copyOf(ids));
        }
        Pending pending = new Pending(ids, new CompletableFuture<>());
        queue.add(pending);
        try {
            return pending.found().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while checking stored inference ids", e, true);
        } catch (TimeoutException e) {
            throw new StorageException("no answer to the check of stored inference ids within " + timeout, e, true);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException storage) {
                throw storage;
            }
            throw new StorageException("cannot check stored inference ids", e.getCause(), true);
        }
    }

    private void run() {
        new QueuedGroups<>(queue, (Pending p) -> p.ids().size(), maxIds).drain(() -> closed, this::check,
                (group, e) -> group.forEach(p -> p.found().completeExceptionally(e)));
    }

    /** One query for the ids of the whole group; each caller gets its own ids back. */
    private void check(List<Pending> group) {
        Set<UUID> ids = new LinkedHashSet<>();
        group.forEach(p -> ids.addAll(p.ids()));
        Set<UUID> found = lookup.find(List.copyOf(ids));
        for (Pending pending : group) {
            Set<UUID> mine = new HashSet<>();
            for (UUID id : pending.ids()) {
                if (found.contains(id)) {
                    mine.add(id);
                }
            }
            pending.found().complete(mine);
        }
    }

    /** Checks waiting for their turn (tests). */
    int queued() {
        return queue.size();
    }

    /** Answers what is queued, then stops the thread (at most 10 s). */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.found().completeExceptionally(new StorageException("the service stopped; ids not checked", null, true));
        }
    }
}
