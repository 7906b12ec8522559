package ai.bud.metrics.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
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
}
