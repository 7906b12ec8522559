package ai.bud.metrics.config;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * {@code ROUTES_RELOAD=true} watches the folder the routes were loaded from: unless
 * {@code camel.main.routes-reload-directory} is set, it is the folder of the first {@code file:} entry of
 * {@code camel.main.routes-include-pattern} ({@code BUDMETRICS_ROUTES}; {@code file:/app/routes/*.camel.yaml} ->
 * {@code /app/routes}). Camel takes the directory as a setting of its own and never derives it. The value is worked
 * out when Camel reads it, so an include pattern set later (a test's {@code @DynamicPropertySource}) is followed too.
 */
public class RoutesReloadDirectory implements EnvironmentPostProcessor {

    static final String INCLUDE_PATTERN = "camel.main.routes-include-pattern";
    static final String RELOAD_DIRECTORY = "camel.main.routes-reload-directory";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        // not the environment as the source object: Spring would walk into it as a nested environment, endlessly
        environment.getPropertySources().addLast(new PropertySource<Object>("routesReloadDirectory") {
            @Override
            public Object getProperty(String name) {
                return RELOAD_DIRECTORY.equals(name) ? folderOf(environment.getProperty(INCLUDE_PATTERN)) : null;
            }
        });
    }

    /** The folder of the first {@code file:} pattern: the path up to its first segment with a wildcard. */
    static String folderOf(String includePattern) {
        if (includePattern == null) {
            return null;
        }
        for (String pattern : includePattern.split(",")) {
            String path = pattern.strip();
            if (!path.startsWith("file:")) {
                continue;
            }
            path = path.substring("file:".length());
            int wildcard = indexOfAny(path, '*', '?', '{');
            int end = path.lastIndexOf('/', wildcard < 0 ? path.length() - 1 : wildcard);
            return end < 0 ? "." : end == 0 ? "/" : path.substring(0, end);
        }
        return null;
    }

    private static int indexOfAny(String text, char... characters) {
        int first = -1;
        for (char c : characters) {
            int at = text.indexOf(c);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }
}
