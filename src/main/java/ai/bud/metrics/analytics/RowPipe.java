package ai.bud.metrics.analytics;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the rows on a second thread while the writing thread turns the previous ones into JSON: the driver's
 * {@code next()} (decoding RowBinary into objects, ~50 ms on the heavy reference call) and the JSON writing (~40 ms)
 * overlap instead of adding up. The reading thread calls {@code next()} and copies, for each row, what the writer will
 * read of it ({@link RowJsonWriter.Values#copy}); the rows travel in batches through a bounded queue. The result set
 * is touched by the reading thread only, and {@link #close} returns only once that thread has stopped, so the caller
 * may close it afterwards. A failure while reading reaches the writer at the row where it happened.
 */
final class RowPipe implements RowJsonWriter.Rows, AutoCloseable {

    private static final ExecutorService READERS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "analytics-rows");
        thread.setDaemon(true);
        return thread;
    });
    private static final int BATCH = 512;
    private static final Object[][] END = new Object[0][];

    private final BlockingQueue<Object[][]> queue = new ArrayBlockingQueue<>(16);
    private final RowJsonWriter.Values values;
    private final long started = System.nanoTime();
    private volatile boolean cancelled;
    private volatile long finished;
    private volatile Throwable failure;
    private Future<?> task;
    private Object[][] batch;
    private int position;

    private RowPipe(RowJsonWriter.Values values) {
        this.values = values;
    }

    /** Starts reading {@code rows} (positioned before the first row) on a reading thread. */
    static RowPipe start(ResultSet rows, RowJsonWriter.Values values, int[] reads) {
        RowPipe pipe = new RowPipe(values);
        pipe.task = READERS.submit(() -> pipe.read(rows, reads));
        return pipe;
    }

    private void read(ResultSet rows, int[] reads) {
        try {
            Object[][] chunk = new Object[BATCH][];
            int n = 0;
            while (!cancelled && rows.next()) {
                chunk[n++] = values.copy(reads);
                if (n == BATCH) {
                    put(chunk);
                    chunk = new Object[BATCH][];
                    n = 0;
                }
            }
            if (n > 0) {
                put(Arrays.copyOf(chunk, n));
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            finished = System.nanoTime();
            put(END);
        }
    }

    private void put(Object[][] chunk) {
        try {
            while (!cancelled) {
                if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelled = true;
        }
    }

    @Override
    public boolean next() throws SQLException {
        if (batch == null || position == batch.length) {
            try {
                batch = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for rows", e);
            }
            position = 0;
            if (batch == END) {
                values.use(null);
                Throwable t = failure;
                if (t instanceof SQLException e) {
                    throw e;
                }
                if (t != null) {
                    throw new SQLException("reading the rows failed: " + t, t);
                }
                return false;
            }
        }
        values.use(batch[position++]);
        return true;
    }

    /** Wall time from the start until the reading thread had read every row. */
    @Override
    public long readingNanos(long start) {
        long end = finished;
        return end == 0 ? 0 : Math.max(0, end - Math.min(start, started));
    }

    /** Stops the reading thread (if the writer stopped early) and waits until it has let go of the result set. */
    @Override
    public void close() {
        cancelled = true;
        queue.clear();
        values.use(null);
        try {
            task.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // read() catches everything; a timeout leaves a daemon thread that stops at its next row
        }
    }
}
