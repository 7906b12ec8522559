package ai.bud.metrics.ingest.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * Takes from a queue what has gathered while its one consumer was busy, as one group: the first item (waiting for
 * it a bounded time), then every item already queued while the group's size stays within {@code max}. An item that
 * would take the group past {@code max} opens the next group; an item larger than {@code max} forms a group alone.
 * The group commit of inserts and the joined existence checks take their work this way. One instance per consuming
 * thread.
 *
 * <p>No timer holds a lone item: it goes at once. Under load — the last group, or this one, holds more than one
 * item — a group may linger: it waits up to {@code linger} from its first item for more, and goes as soon as it
 * reaches {@code max}. Work whose fixed cost dominates (an INSERT) then runs fewer, larger groups.
 */
final class QueuedGroups<T> {

    private final BlockingQueue<T> queue;
    private final ToIntFunction<T> size;
    private final int max;
    private final long lingerNanos;
    private T carried;
    private int lastGroupSize;

    QueuedGroups(BlockingQueue<T> queue, ToIntFunction<T> size, int max) {
        this(queue, size, max, 0);
    }

    /** @param lingerNanos how long a group under load waits for more items (0: never) */
    QueuedGroups(BlockingQueue<T> queue, ToIntFunction<T> size, int max, long lingerNanos) {
        this.queue = queue;
        this.size = size;
        this.max = Math.max(1, max);
        this.lingerNanos = Math.max(0, lingerNanos);
    }

    /** The next group, or an empty list when nothing came within {@code waitMillis}. */
    List<T> next(long waitMillis) throws InterruptedException {
        T first = carried != null ? carried : queue.poll(waitMillis, TimeUnit.MILLISECONDS);
        long deadline = System.nanoTime() + lingerNanos;
        carried = null;
        List<T> group = new ArrayList<>();
        if (first == null) {
            return group;
        }
        group.add(first);
        int total = size.applyAsInt(first);
        boolean underLoad = lastGroupSize > 1;
        while (total < max) {
            T next = queue.poll();
            if (next == null && (underLoad || group.size() > 1)) {
                // poll answers at once when the linger is 0 or over
                next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            if (next == null) {
                break;
            }
            int n = size.applyAsInt(next);
            if (total + n > max) {
                carried = next;
                break;
            }
            group.add(next);
            total += n;
        }
        lastGroupSize = group.size();
        return group;
    }

    /**
     * The consuming thread's loop: hands every group to {@code work} until the queue is empty and {@code closed} says
     * so, or the thread is interrupted; a group whose work threw goes to {@code failed}, so no caller is left waiting.
     */
    void drain(BooleanSupplier closed, Consumer<List<T>> work, BiConsumer<List<T>, RuntimeException> failed) {
        while (true) {
            List<T> group = List.of();
            try {
                group = next(100);
                if (group.isEmpty()) {
                    if (closed.getAsBoolean()) {
                        return;
                    }
                    continue;
                }
                work.accept(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failed.accept(group, e);
            }
        }
    }
}
