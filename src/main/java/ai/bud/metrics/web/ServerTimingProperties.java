package ai.bud.metrics.web;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code budmetrics.web.server-timing.steps}: route step id -> {@code Server-Timing} metric name, the steps
 * {@link ServerTimingSteps} times (application.yaml lists those of routes/analytics.camel.yaml).
 */
@ConfigurationProperties("budmetrics.web.server-timing")
public record ServerTimingProperties(@DefaultValue Map<String, String> steps) {

    public ServerTimingProperties {
        steps = Map.copyOf(steps);
    }
}
