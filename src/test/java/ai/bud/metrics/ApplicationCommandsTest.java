package ai.bud.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The jar's command dispatch: help lists every command and exits 0, an unknown word exits 2, the rest is the service. */
class ApplicationCommandsTest {

    private record Outcome(OptionalInt exit, String out, String err) {
    }

    private static Outcome dispatch(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        OptionalInt exit = Application.command(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help", "serve --help"})
    void helpListsEveryCommandWithOneLineEachAndExitsZero(String args) {
        Outcome help = dispatch(args.split(" "));

        assertThat(help.exit()).hasValue(0);
        assertThat(help.err()).isEmpty();
        assertThat(help.out()).startsWith("usage: java -jar budmetrics.jar");
        assertThat(help.out()).containsPattern("(?m)^  serve +run the service")
                .contains("scripts/seed.sh", "scripts/bench.sh");
        assertThat(Application.COMMANDS).containsKeys("migrate", "explain-query");
        for (String command : Application.COMMANDS.keySet()) {
            assertThat(help.out()).as(command).containsPattern("(?m)^  " + command + " +\\S.*$");
        }
    }

    @Test
    void anUnknownWordExitsTwoWithTheList() {
        Outcome unknown = dispatch("seed", "--records", "10");

        assertThat(unknown.exit()).hasValue(2);
        assertThat(unknown.out()).isEmpty();
        assertThat(unknown.err()).contains("unknown command seed", "scripts/seed.sh", "usage: java -jar budmetrics.jar")
                .containsPattern("(?m)^  explain-query ");
    }

    @Test
    void aCommandRunsAndItsStatusIsTheExitStatus() {
        Outcome explain = dispatch("explain-query");

        assertThat(explain.exit()).hasValue(2);
        assertThat(explain.err()).startsWith("usage: explain-query");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "serve", "serve --server.port=1", "--server.port=1"})
    void theServiceIsWhatIsLeft(String args) {
        Outcome serve = dispatch(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(serve.exit()).isEmpty();
        assertThat(serve.out() + serve.err()).isEmpty();
    }
}
