package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.web.QueryGate;
import ai.bud.metrics.web.WebProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The servlet-edge checks of POST /observability/analytics ({@link AnalyticsRequestFilter}), its query gate and the
 * HTTP side of its deadline.
 */
@Configuration
class AnalyticsWebConfiguration {

    /**
     * What the servlet container adds to {@code ANALYTICS_DEADLINE_SECONDS} before it gives up on an answer itself: the
     * deadline answers 504 first, this only catches a request whose route never answered.
     */
    static final Duration ASYNC_GRACE = Duration.ofSeconds(5);

    @Bean
    FilterRegistrationBean<AnalyticsRequestFilter> analyticsRequestFilter(ObjectMapper mapper,
            @Value("${budmetrics.analytics.max-body-size:64KB}") DataSize maxBodySize) {
        FilterRegistrationBean<AnalyticsRequestFilter> registration = new FilterRegistrationBean<>(
                new AnalyticsRequestFilter(mapper, maxBodySize.toBytes()));
        registration.addUrlPatterns("/observability/analytics");
        registration.setName("analyticsRequest");
        return registration;
    }

    /** As many permits as the analytics pool has connections (ANALYTICS_MAX_CONCURRENT_QUERIES, capped by the engine's). */
    @Bean
    QueryGate queryGate(WebProperties properties, EngineClient engine, MeterRegistry meters) {
        WebProperties.Gate gate = properties.queryGate();
        return new QueryGate(Math.min(gate.permits(), engine.slots()), gate.maxWait(), gate.retryAfter(), meters);
    }

    /**
     * platform-http answers asynchronously; the container's timeout for that answer derives from the analytics deadline
     * (no second number to keep in step with it).
     */
    @Bean
    WebMvcConfigurer asyncTimeoutFromDeadline(@Value("${budmetrics.analytics.deadline:30s}") Duration deadline) {
        return new WebMvcConfigurer() {
            @Override
            public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
                configurer.setDefaultTimeout(deadline.plus(ASYNC_GRACE).toMillis());
            }
        };
    }
}
