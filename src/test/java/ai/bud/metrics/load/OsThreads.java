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
final class OsThreads {

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
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                // after the name: state (field 3) ... nice (field 19)
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                byName.computeIfAbsent(name, n -> new ArrayList<>()).add(Integer.parseInt(fields[16]));
            }
        }
        return byName;
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
