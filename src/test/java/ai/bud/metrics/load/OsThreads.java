package ai.bud.metrics.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** This process's threads as the kernel lists them (Linux {@code /proc/self/task}): name and nice value. */
public final class OsThreads {

    /** CAP_SYS_NICE, bit 23 of the effective capabilities. */
    private static final long CAP_SYS_NICE = 1L << 23;

    private OsThreads() {
    }

    /** The nice value of every thread, by the thread's name (the kernel keeps 15 characters of it). */
    static Map<String, List<Integer>> niceByName() throws IOException {
        Map<String, List<Integer>> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                byName.computeIfAbsent(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')), n -> new ArrayList<>())
                        .add(nice(stat));
            }
        }
        return byName;
    }

    /** The calling thread's nice value. */
    public static int currentThreadNice() throws IOException {
        return nice(Files.readString(Path.of("/proc/thread-self/stat")));
    }

    /** Field 19 of a task's {@code stat} line; the fields after the name start at field 3 (state). */
    private static int nice(String stat) {
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }

    /** Whether this process may raise a thread's priority again (the engine applies os_thread_priority only then). */
    static boolean mayRaisePriority() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & CAP_SYS_NICE) != 0;
            }
        }
        return false;
    }
}
