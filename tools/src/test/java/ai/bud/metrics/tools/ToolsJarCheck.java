package ai.bud.metrics.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jars {@code mvn package} built: the service jar holds every service class and no tool, the tools jar every tool
 * and nothing of the service, and a tool starts the way scripts/lib.sh starts it. Run by the pom's
 * {@code tools-jar-check} execution in the verify phase (it needs the jars, which the test phase precedes), which
 * passes their paths as budmetrics.jar and budmetrics.tools-jar.
 */
class ToolsJarCheck {

    private static final String LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private static Path serviceJar;
    private static Path toolsJar;

    @BeforeAll
    static void jars() {
        assumeTrue(System.getProperty("budmetrics.tools-jar") != null, "run in the verify phase (mvn verify), after package");
        serviceJar = Path.of(System.getProperty("budmetrics.jar"));
        toolsJar = Path.of(System.getProperty("budmetrics.tools-jar"));
        assertThat(serviceJar).isRegularFile();
        assertThat(toolsJar).isRegularFile();
    }

    @Test
    void theServiceJarHoldsTheServiceAndNoTool() throws IOException {
        Set<String> classes = classes(serviceJar, "BOOT-INF/classes/");
        Set<String> tools = ToolsLayout.packages(ToolsLayout.TOOLS_SOURCES);
        assertThat(classes).as("service jar classes in a tools package")
                .filteredOn(c -> tools.contains(ToolsLayout.packageOf(c))).isEmpty();
        assertThat(classes).as("service jar").containsAll(
                ToolsLayout.types(ToolsLayout.SERVICE_SOURCES).stream().map(t -> t + ".class").toList());
    }

    @Test
    void theToolsJarHoldsTheToolsAndNothingOfTheService() throws IOException {
        Set<String> classes = classes(toolsJar, "");
        Set<String> tools = ToolsLayout.packages(ToolsLayout.TOOLS_SOURCES);
        assertThat(classes).as("tools jar").containsAll(
                ToolsLayout.types(ToolsLayout.TOOLS_SOURCES).stream().map(t -> t + ".class").toList());
        assertThat(classes).as("tools jar classes outside the tools packages")
                .filteredOn(c -> !tools.contains(ToolsLayout.packageOf(c))).isEmpty();
    }

    @Test
    void aToolRunsWithTheServiceJarOnItsClasspath() throws Exception {
        Run help = run(tool("seed", "--help"));
        assertThat(help.exitCode()).as(help.toString()).isZero();
        assertThat(help.out()).as(help.toString()).startsWith("usage: seed");

        // the seeder's failure path goes through the service's ClickHouse classes (ClickHouseConnector and its errors)
        int port = freePort();
        Run seed = run(tool("seed", "--direct-db", "--clickhouse-url", "http://127.0.0.1:" + port, "--records", "10"));
        assertThat(seed.exitCode()).as(seed.toString()).isEqualTo(1);
        assertThat(seed.err()).as(seed.toString()).contains("seed: ClickHouse at 127.0.0.1:" + port + " did not answer")
                .doesNotContain("NoClassDefFoundError", "ClassNotFoundException");

        Run unknown = run(tool("nope"));
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown tool nope; the tools are bench, chaos, overload, seed");
    }

    @Test
    void theServiceJarRefusesTheToolsItNoLongerHas() throws Exception {
        Run run = run(List.of(java(), "-jar", serviceJar.toString(), "seed", "--help"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).as(run.toString()).contains("unknown command seed", "scripts/seed.sh");
    }

    /** Help comes from the jar itself, without the service or the engine (no ClickHouse is reachable here). */
    @Test
    void theServiceJarListsItsCommands() throws Exception {
        Run run = run(List.of(java(), "-jar", serviceJar.toString(), "--help"));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).contains("serve", "migrate", "explain-query", "scripts/seed.sh")
                .doesNotContain("Started Application");
    }

    private static Set<String> classes(Path jar, String prefix) throws IOException {
        Set<String> classes = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith(prefix + "ai/") && n.endsWith(".class"))
                    .forEach(n -> classes.add(n.substring(prefix.length())));
        }
        assertThat(classes).as("classes in " + jar).isNotEmpty();
        return classes;
    }

    /** The command line of scripts/lib.sh's TOOLS_LAUNCH. */
    private static List<String> tool(String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", serviceJar.toString(), "-Dloader.path=" + toolsJar,
                "-Dloader.main=ai.bud.metrics.tools.Tools", LAUNCHER));
        command.addAll(List.of(args));
        return command;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private static Run run(List<String> command) throws Exception {
        Path out = Files.createTempFile("tools-out", ".txt");
        Path err = Files.createTempFile("tools-err", ".txt");
        try {
            Process process = new ProcessBuilder(command).directory(ToolsLayout.ROOT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("no exit within 120 s: " + command);
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
