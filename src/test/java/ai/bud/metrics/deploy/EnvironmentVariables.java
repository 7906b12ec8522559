package ai.bud.metrics.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finds the environment variables the project reads, in each kind of file, and the ones .env.example lists. */
final class EnvironmentVariables {

    /** Spring placeholders in YAML and in {@code @Value}: {@code ${VAR}} or {@code ${VAR:default}}. */
    static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?=[:}])");
    /** Java look-ups by name: {@code getenv("VAR")}, {@code env.get("VAR")}, {@code getOrDefault("VAR", …)}, … */
    static final Pattern JAVA_LOOKUP = Pattern.compile(
            "\\b(?:getenv|get|getOrDefault|apply|getProperty|containsKey)\\(\\s*\"([A-Z][A-Z0-9]*_[A-Z0-9_]*)\"");
    /** Camel property functions in routes: {@code {{env:VAR}}}, {@code ${env:VAR}}, {@code ${sysenv.VAR}}. */
    static final Pattern CAMEL_ENV = Pattern.compile("(?:\\{\\{env:|\\$\\{env:|\\$\\{sysenv\\.)([A-Z][A-Z0-9_]*)");
    /** Shell variables taken from the caller's environment: used with a default or alternative ({@code ${VAR:-x}}). */
    static final Pattern SHELL_INPUT = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):?[-+=?]");
    /** .env.example entries, set ({@code VAR=x}) or documented without a value ({@code # VAR=}). */
    static final Pattern ENV_FILE_ENTRY = Pattern.compile("(?m)^#?\\s*([A-Z][A-Z0-9_]*)=");

    /** The operating system's and the JVM launcher's own variables, not settings of the service. */
    static final Set<String> SYSTEM = Set.of("HOME", "PATH", "USER", "PWD", "TERM", "TMPDIR", "JAVA_HOME", "LD_PRELOAD", "UID");

    private EnvironmentVariables() {
    }

    static Set<String> readByProject(Path root) {
        Set<String> names = new TreeSet<>();
        for (Path file : files(root.resolve("src/main/resources"), ".yaml", ".yml", ".properties")) {
            names.addAll(find(PLACEHOLDER, read(file)));
        }
        for (Path file : files(root.resolve("src/main/java"), ".java")) {
            String text = read(file);
            names.addAll(find(PLACEHOLDER, text));
            names.addAll(find(JAVA_LOOKUP, text));
        }
        for (Path file : files(root.resolve("routes"), ".yaml", ".yml")) {
            names.addAll(find(CAMEL_ENV, read(file)));
        }
        for (Path dir : new Path[] {root.resolve("scripts"), root.resolve("deploy")}) {
            for (Path file : files(dir, ".sh")) {
                names.addAll(find(SHELL_INPUT, read(file)));
            }
        }
        names.removeAll(SYSTEM);
        return names;
    }

    static Set<String> listedIn(Path envExample) {
        return find(ENV_FILE_ENTRY, read(envExample));
    }

    static Set<String> find(Pattern pattern, String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    static Path[] files(Path dir, String... suffixes) {
        if (!Files.isDirectory(dir)) {
            return new Path[0];
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(suffixes).anyMatch(s -> p.getFileName().toString().endsWith(s)))
                    .sorted().toArray(Path[]::new);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
