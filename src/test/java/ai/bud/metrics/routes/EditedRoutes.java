package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A copy of the top-level {@code routes/} folder that a test edits as an integration team would (text edits of the
 * YAML, or a new route file), then starts the application on with {@link #includePattern()} as
 * {@code camel.main.routes-include-pattern} (what {@code BUDMETRICS_ROUTES} sets). No Java changes: the edit is
 * the YAML alone.
 *
 * <pre>
 * static final EditedRoutes ROUTES = EditedRoutes.copy()
 *         .replace("ingest-http.camel.yaml", "- to:\n    id: send-to-ingest-flow", "...")
 *         .add("mirror.camel.yaml", "- route: ...");
 *
 * &#64;DynamicPropertySource
 * static void routes(DynamicPropertyRegistry registry) {
 *     registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
 * }
 * </pre>
 */
public final class EditedRoutes {

    private static final Path SHIPPED = Path.of("routes");

    private final Path dir;

    private EditedRoutes(Path dir) {
        this.dir = dir;
    }

    /** A fresh copy of the shipped routes in a temporary folder (removed when the JVM exits). */
    public static EditedRoutes copy() {
        try {
            Path dir = Files.createTempDirectory("budmetrics-routes-");
            dir.toFile().deleteOnExit();
            try (Stream<Path> files = Files.list(SHIPPED)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".camel.yaml")).toList()) {
                    Path copy = Files.copy(file, dir.resolve(file.getFileName()));
                    copy.toFile().deleteOnExit();
                }
            }
            return new EditedRoutes(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces the one occurrence of {@code text} in {@code file}; fails when it is missing or ambiguous. */
    public EditedRoutes replace(String file, String text, String replacement) {
        String yaml = read(file);
        int at = yaml.indexOf(text);
        assertThat(at).as("%s contains %s", file, text).isGreaterThanOrEqualTo(0);
        assertThat(yaml.indexOf(text, at + 1)).as("%s contains %s once", file, text).isLessThan(0);
        write(file, yaml.substring(0, at) + replacement + yaml.substring(at + text.length()));
        return this;
    }

    /** Adds a route file (or replaces one) with {@code yaml}. */
    public EditedRoutes add(String file, String yaml) {
        write(file, yaml);
        return this;
    }

    /** Removes a route file of the copy. */
    public EditedRoutes remove(String file) {
        try {
            Files.delete(dir.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public String read(String file) {
        try {
            return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The value for {@code camel.main.routes-include-pattern}. */
    public String includePattern() {
        return "file:" + dir.toAbsolutePath() + "/*.camel.yaml";
    }

    private void write(String file, String yaml) {
        try {
            Path path = Files.writeString(dir.resolve(file), yaml, StandardCharsets.UTF_8);
            path.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
