package ai.bud.metrics.analytics;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that run at a Linux nice value ({@code ANALYTICS_OS_THREAD_PRIORITY}) above the rest of the service, so that
 * when the CPU is short the kernel serves ingestion first (SPEC §6b: dashboards never starve ingestion). The engine
 * does the same to its threads while they run an analytics query ({@code os_thread_priority}, sent with each query).
 *
 * <p>Each thread raises its own nice value once, when it starts: raising needs no privilege, only lowering does, so
 * these threads never go back. Elsewhere than on Linux, or when the call fails, the threads run at the process's
 * priority (a warning, once).
 */
final class LowPriorityThreads implements ThreadFactory {

    private static final Logger LOG = LoggerFactory.getLogger(LowPriorityThreads.class);
    private static final int PRIO_PROCESS = 0;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    interface LibC extends Library {
        int setpriority(int which, int who, int prio);

        long syscall(long number);
    }

    /** libc, loaded on first use. */
    private static final class Libc {
        static final LibC INSTANCE = Native.load("c", LibC.class);
    }

    private final String prefix;
    private final int nice;
    private final AtomicInteger count = new AtomicInteger();

    /**
     * @param prefix the threads' names, numbered from 1
     * @param nice the nice value to run at (1–19); 0 leaves the threads at the process's
     */
    LowPriorityThreads(String prefix, int nice) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("ANALYTICS_OS_THREAD_PRIORITY must be 0 (off) to 19, not " + nice);
        }
        this.prefix = prefix;
        this.nice = nice;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(() -> {
            if (nice > 0) {
                lowerCurrentThread(nice);
            }
            task.run();
        }, prefix + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Sets the calling thread's nice value.
     *
     * @return whether it took effect
     */
    static boolean lowerCurrentThread(int nice) {
        try {
            long tid = Platform.isLinux() ? threadId() : -1;
            if (tid > 0 && Libc.INSTANCE.setpriority(PRIO_PROCESS, (int) tid, nice) == 0) {
                return true;
            }
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("setpriority failed", e);
        }
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("analytics threads run at the process's own priority: their nice value ({}) could not be set here", nice);
        }
        return false;
    }

    /** The kernel's id of the calling thread ({@code gettid}), by its system call number on the two Linux ABIs. */
    private static long threadId() {
        long number = switch (Platform.ARCH) {
            case "x86-64" -> 186;
            case "aarch64" -> 178;
            default -> -1;
        };
        return number < 0 ? -1 : Libc.INSTANCE.syscall(number);
    }
}
