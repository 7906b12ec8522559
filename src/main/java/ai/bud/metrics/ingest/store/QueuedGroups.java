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
 * The group commit of inserts and the joined existence checks take their work this way (no timer: a lone item goes at
 * once). One instance per consuming thread.
 */
final class QueuedGroups<T> {

    private final BlockingQueue<T> queue;
    private final ToIntFunction<T> size;
    private final int max;
    private T carried;

    QueuedGroups(BlockingQueue<T> queue, ToIntFunction<T> size, int max) {
        this.queue = queue;
        this.size = size;
        this.max = Math.max(1, max);
    }

    /** The next group, or an empty list when nothing came within {@code waitMillis}. */
    List<T> next(long waitMillis) throws InterruptedException {
        T first = carried != null ? carried : queue.poll(waitMillis, TimeUnit.MILLISECONDS);
        carried = null;
        List<T> group = new ArrayList<>();
        if (first == null) {
            return group;
        }
        group.add(first);
        int total = size.applyAsInt(first);
        T next;
        while (total < max && (next = queue.poll()) != null) {
            int n = size.applyAsInt(next);
            if (total + n > max) {
                carried = next;
                break;
            }
            group.add(next);
            total += n;
        }
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
