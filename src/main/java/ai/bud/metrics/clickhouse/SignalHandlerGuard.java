package ai.bud.metrics.clickhouse;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Keeps the JVM's signal handlers when native code installs its own. chDB replaces the handlers of
 * SIGSEGV, SIGBUS, SIGFPE, SIGILL (and more) on connect; the JVM relies on them for safepoints, implicit
 * null checks and stack banging, and dies at its next ordinary fault when they are gone. This snapshots
 * every handler with libc {@code sigaction} before the native call and puts back each one that changed.
 */
final class SignalHandlerGuard {

    interface LibC extends Library {
        int sigaction(int signum, Pointer act, Pointer oldact);
    }

    /** sizeof(struct sigaction) on x86_64 glibc is 152; the buffer is larger to be safe. */
    private static final int SIGACTION_SIZE = 256;
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    private static final int MAX_SIGNAL = 31;

    private final LibC libc = Native.load("c", LibC.class);
    private final Memory[] saved = new Memory[MAX_SIGNAL + 1];

    SignalHandlerGuard snapshot() {
        for (int signal = 1; signal <= MAX_SIGNAL; signal++) {
            if (signal == SIGKILL || signal == SIGSTOP) {
                continue;
            }
            Memory current = new Memory(SIGACTION_SIZE);
            current.clear();
            if (libc.sigaction(signal, null, current) == 0) {
                saved[signal] = current;
            }
        }
        return this;
    }

    /** Restores each handler that differs from the snapshot; returns the signals restored. */
    List<Integer> restoreChanged() {
        List<Integer> restored = new ArrayList<>();
        for (int signal = 1; signal <= MAX_SIGNAL; signal++) {
            Memory before = saved[signal];
            if (before == null) {
                continue;
            }
            Memory now = new Memory(SIGACTION_SIZE);
            now.clear();
            if (libc.sigaction(signal, null, now) != 0) {
                continue;
            }
            if (!Arrays.equals(before.getByteArray(0, SIGACTION_SIZE), now.getByteArray(0, SIGACTION_SIZE))) {
                libc.sigaction(signal, before, null);
                restored.add(signal);
            }
        }
        return restored;
    }
}
