package ai.bud.metrics.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutesReloadDirectoryTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "file:routes/*.camel.yaml | routes",
            "file:/app/routes/*.camel.yaml | /app/routes",
            "file:/tmp/budmetrics-routes-1/*.camel.yaml | /tmp/budmetrics-routes-1",
            "file:/srv/flows/analytics.camel.yaml | /srv/flows",
            "file:/srv/flows/**/*.yaml | /srv/flows",
            "file:*.camel.yaml | .",
            "'classpath:camel/*.yaml, file:/opt/routes/*.yaml' | /opt/routes"})
    void theFolderOfTheFirstFilePattern(String includePattern, String folder) {
        assertThat(RoutesReloadDirectory.folderOf(includePattern)).isEqualTo(folder);
    }

    @ParameterizedTest
    @CsvSource({"classpath:camel/*.yaml", "''"})
    void noFolderWithoutAFilePattern(String includePattern) {
        assertThat(RoutesReloadDirectory.folderOf(includePattern)).isNull();
    }
}
