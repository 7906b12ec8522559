package ai.bud.metrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** LOG_FORMAT to Spring Boot's structured console format: json means ECS, plain means none, anything else stops. */
class LogFormatEnvironmentTest {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        new LogFormatEnvironment().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @ParameterizedTest
    @CsvSource({"json, ecs", "JSON, ecs", "ecs, ecs", "logstash, logstash", "gelf, gelf", " json , ecs"})
    void aStructuredFormatSetsTheConsoleFormat(String given, String expected) {
        assertThat(environment(Map.of("budmetrics.log-format", given)).getProperty(LogFormatEnvironment.STRUCTURED)).isEqualTo(expected);
    }

    @Test
    void plainOrNothingLeavesTextLines() {
        assertThat(environment(Map.of("budmetrics.log-format", "plain")).containsProperty(LogFormatEnvironment.STRUCTURED)).isFalse();
        assertThat(environment(Map.of()).containsProperty(LogFormatEnvironment.STRUCTURED)).isFalse();
    }

    @Test
    void anExplicitStructuredFormatWins() {
        assertThat(environment(Map.of("budmetrics.log-format", "json", LogFormatEnvironment.STRUCTURED, "logstash"))
                .getProperty(LogFormatEnvironment.STRUCTURED)).isEqualTo("logstash");
    }

    @Test
    void anUnknownFormatStopsTheStartNamingTheChoices() {
        assertThatThrownBy(() -> environment(Map.of("budmetrics.log-format", "xml")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LOG_FORMAT").hasMessageContaining("json")
                .hasMessageContaining("'xml'");
    }
}
