package ai.bud.metrics.seed;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The running display: on a terminal one line redrawn in place ({@code \r}); otherwise a plain line every few
 * seconds, so logs of a CI job stay readable.
 */
final class Progress {

    private final PrintStream out;
    private final boolean terminal;
    private final long total;
    private final long startedNanos;
    private final long intervalNanos;
    private long lastPrintNanos;
    private boolean drawn;

    Progress(PrintStream out, boolean terminal, long total, long startedNanos) {
        this.out = out;
        this.terminal = terminal;
        this.total = total;
        this.startedNanos = startedNanos;
        this.intervalNanos = terminal ? 200_000_000L : 5_000_000_000L;
        this.lastPrintNanos = startedNanos;
    }

    /** Shows {@code done} of the total when enough time passed since the last update (or {@code force}). */
    synchronized void update(long done, long nowNanos, boolean force) {
        if (!force && nowNanos - lastPrintNanos < intervalNanos) {
            return;
        }
        lastPrintNanos = nowNanos;
        String line = line(done, total, nowNanos - startedNanos);
        if (terminal) {
            out.print("\r" + line + "\u001b[K");
            drawn = true;
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the redrawn line so the summary starts on a fresh one. */
    synchronized void finish() {
        if (terminal && drawn) {
            out.println();
        }
    }

    static String line(long done, long total, long elapsedNanos) {
        double seconds = Math.max(elapsedNanos / 1e9, 1e-9);
        double rate = done / seconds;
        String eta = rate > 0 && done < total ? duration((total - done) / rate) : done >= total ? "0s" : "?";
        return String.format(Locale.ROOT, "seeded %,d/%,d (%.1f%%) %,.0f records/s, ETA %s", done, total,
                total == 0 ? 100.0 : done * 100.0 / total, rate, eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
