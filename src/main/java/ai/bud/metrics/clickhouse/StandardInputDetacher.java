package ai.bud.metrics.clickhouse;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * chDB behaves like clickhouse-local: an INSERT reads data from the process's standard input whenever that is
 * not a terminal. Under a supervisor or a test runner stdin is often a pipe, so an ordinary
 * {@code INSERT … VALUES} would swallow (or wait for) whatever arrives there. The embedded engine therefore
 * points file descriptor 0 at /dev/null before it opens; a service has no use for stdin.
 */
final class StandardInputDetacher {

    interface LibC extends Library {
        int open(String path, int flags);

        int dup2(int oldFd, int newFd);

        int close(int fd);
    }

    private static final int O_RDONLY = 0;
    private static final int STDIN = 0;

    private StandardInputDetacher() {
    }

    static void detach() {
        LibC libc = Native.load("c", LibC.class);
        int devNull = libc.open("/dev/null", O_RDONLY);
        if (devNull < 0) {
            throw new EmbeddedEngineException("cannot open /dev/null to detach standard input", "check the container's /dev");
        }
        try {
            if (devNull != STDIN && libc.dup2(devNull, STDIN) < 0) {
                throw new EmbeddedEngineException("cannot detach standard input from the embedded engine", "run the service with stdin from /dev/null");
            }
        } finally {
            if (devNull != STDIN) {
                libc.close(devNull);
            }
        }
    }
}
