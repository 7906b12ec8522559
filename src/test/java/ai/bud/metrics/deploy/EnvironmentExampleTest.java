package ai.bud.metrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** .env.example names every variable the project reads, and nothing else. */
class EnvironmentExampleTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    @Test
    void everyVariableTheCodeReadsIsInTheExampleAndViceVersa() {
        Set<String> read = EnvironmentVariables.readByProject(ROOT);
        Set<String> listed = EnvironmentVariables.listedIn(ROOT.resolve(".env.example"));

        Set<String> missing = new TreeSet<>(read);
        missing.removeAll(listed);
        Set<String> unused = new TreeSet<>(listed);
        unused.removeAll(read);
        assertThat(missing).as("read by the code but missing from .env.example").isEmpty();
        assertThat(unused).as("listed in .env.example but read nowhere").isEmpty();
    }

    @Test
    void theScanFindsEachKindOfLookUp() {
        // one known variable per kind of file, so an empty scan cannot pass the test above
        assertThat(EnvironmentVariables.readByProject(ROOT))
                .contains("CLICKHOUSE_EMBEDDED_DATA") // application.yaml placeholder
                .contains("BUDMETRICS_CACHE") // System.getenv in Java
                .contains("REDIS_URI") // environment.getProperty in Java
                .contains("APP_API_TOKEN") // env.get in the seeder
                .contains("JAVA_OPTS") // scripts/lib.sh
                .doesNotContain("JAVA_HOME", "LD_PRELOAD", "ROOT", "CHDB_VERSION");
    }

    @Test
    void patternsRecogniseTheSupportedForms() {
        assertThat(EnvironmentVariables.find(EnvironmentVariables.PLACEHOLDER,
                "port: ${APP_PORT:8000}\nhost: ${CLICKHOUSE_HOST}\n@Value(\"${RATE_LIMIT_X:1}\") ${lowercase:x} $APP_NOT")).containsExactly(
                "APP_PORT", "CLICKHOUSE_HOST", "RATE_LIMIT_X");
        assertThat(EnvironmentVariables.find(EnvironmentVariables.JAVA_LOOKUP,
                "System.getenv(\"A_B\"); env.get(\"C_D\"); env.getOrDefault(\"E_F\", \"1\"); get.apply(\"G_H\"); headers.get(\"Content\")"))
                .containsExactly("A_B", "C_D", "E_F", "G_H");
        assertThat(EnvironmentVariables.find(EnvironmentVariables.CAMEL_ENV, "uri: '{{env:REDIS_STREAM:x}}' ${env:TOKEN} ${sysenv.FOO_BAR}"))
                .containsExactly("FOO_BAR", "REDIS_STREAM", "TOKEN");
        assertThat(EnvironmentVariables.find(EnvironmentVariables.SHELL_INPUT,
                "X=\"${JAVA_OPTS:-}\" ${CACHE_DIR-/tmp} ${ROOT}/x ${LD_PRELOAD:+a} ${1:-}")).containsExactly("CACHE_DIR", "JAVA_OPTS", "LD_PRELOAD");
        assertThat(EnvironmentVariables.find(EnvironmentVariables.ENV_FILE_ENTRY, "A_B=1\n# C_D=\n# a comment mentioning E_F\n#G=x\n"))
                .containsExactly("A_B", "C_D", "G");
    }
}
