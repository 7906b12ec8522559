package ai.bud.metrics.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Where the service's and the tools' sources are, and which packages each owns (as paths: ai/bud/metrics/seed). */
final class ToolsLayout {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path SERVICE_SOURCES = ROOT.resolve("src/main/java");
    static final Path TOOLS_SOURCES = ROOT.resolve("tools/src/main/java");

    private ToolsLayout() {
    }

    /** The packages holding a .java file under {@code sources}. */
    static Set<String> packages(Path sources) {
        Set<String> packages = new TreeSet<>();
        for (String type : types(sources)) {
            packages.add(packageOf(type));
        }
        return packages;
    }

    /** The top-level types of the .java files under {@code sources}, as class-file paths without .class. */
    static List<String> types(Path sources) {
        try (Stream<Path> files = Files.walk(sources)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .map(f -> slashes(sources.relativize(f)).replaceFirst("\\.java$", ""))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ai/bud/metrics/seed/Seeder.class} → {@code ai/bud/metrics/seed}. */
    static String packageOf(String classPath) {
        int slash = classPath.lastIndexOf('/');
        return slash < 0 ? "" : classPath.substring(0, slash);
    }

    static String slashes(Path relative) {
        return relative.toString().replace('\\', '/');
    }
}
