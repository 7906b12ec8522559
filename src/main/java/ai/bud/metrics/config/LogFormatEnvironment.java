package ai.bud.metrics.config;

import java.util.Locale;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code LOG_FORMAT} ({@code budmetrics.log-format}): {@code plain} (the default, Spring Boot's text lines), or a
 * structured format for the console, one JSON object per line: {@code json} and {@code ecs} (Elastic Common Schema),
 * {@code logstash}, {@code gelf}. It runs before the logging system starts, so the first line is already in the format.
 */
public class LogFormatEnvironment implements EnvironmentPostProcessor {

    static final String PROPERTY = "budmetrics.log-format";
    static final String STRUCTURED = "logging.structured.format.console";
    private static final Map<String, String> FORMATS = Map.of("json", "ecs", "ecs", "ecs", "logstash", "logstash", "gelf", "gelf");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String format = environment.getProperty(PROPERTY, "plain").strip().toLowerCase(Locale.ROOT);
        if (format.isEmpty() || format.equals("plain") || environment.containsProperty(STRUCTURED)) {
            return;
        }
        String structured = FORMATS.get(format);
        if (structured == null) {
            throw new IllegalArgumentException("LOG_FORMAT (" + PROPERTY + ") must be plain, json, ecs, logstash or gelf; got '"
                    + format + "'");
        }
        environment.getPropertySources().addFirst(new MapPropertySource("logFormat", Map.of(STRUCTURED, structured)));
    }
}
