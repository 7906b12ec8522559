package ai.bud.metrics.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;

/**
 * The HTTP-layer filters, in {@link FilterOrder}: compression (sees every byte written, including the errors the
 * others write), the API token check, then rate limits (off by default). docs/OPERATIONS.md describes the settings.
 */
@Configuration
@EnableConfigurationProperties({WebProperties.class, ServerTimingProperties.class})
class WebConfiguration {

    @Bean
    @ConditionalOnProperty(name = "budmetrics.web.compression.enabled", havingValue = "true", matchIfMissing = true)
    Compressors compressors(WebProperties properties) {
        WebProperties.Compression settings = properties.compression();
        List<ContentCoding> preference = new ArrayList<>();
        for (String token : settings.preference()) {
            ContentCoding coding = ContentCoding.fromToken(token).orElseThrow(() -> new IllegalArgumentException(
                    "budmetrics.web.compression.preference: unknown coding '" + token + "' (known: br, zstd, gzip)"));
            if (!preference.contains(coding)) {
                preference.add(coding);
            }
        }
        return new Compressors(settings.brotliQuality(), settings.zstdLevel(), settings.gzipLevel(), preference);
    }

    /** Compression of a whole body in a route step ({@link BodyCompression}); a no-op when compression is off. */
    @Bean("bodyCompression")
    BodyCompression bodyCompression(WebProperties properties, org.springframework.beans.factory.ObjectProvider<Compressors> compressors) {
        return new BodyCompression(compressors.getIfAvailable(), properties.compression().minSize().toBytes());
    }

    @Bean
    @ConditionalOnProperty(name = "budmetrics.web.compression.enabled", havingValue = "true", matchIfMissing = true)
    FilterRegistrationBean<CompressionFilter> compressionFilter(WebProperties properties, Compressors compressors) {
        WebProperties.Compression settings = properties.compression();
        FilterRegistrationBean<CompressionFilter> registration = new FilterRegistrationBean<>(
                new CompressionFilter(compressors, settings.minSize(), settings.mimeTypes()));
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.COMPRESSION);
        registration.setName("responseCompression");
        return registration;
    }

    @Bean
    FilterRegistrationBean<RequestId> requestIdFilter() {
        FilterRegistrationBean<RequestId> registration = new FilterRegistrationBean<>(new RequestId());
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.REQUEST_ID);
        registration.setName("requestId");
        return registration;
    }

    /** Spring Boot puts it on the task executor that runs the platform-http routes: their log lines keep request_id. */
    @Bean
    TaskDecorator mdcTaskDecorator() {
        return new MdcTaskDecorator();
    }

    @Bean
    FilterRegistrationBean<RoutesStartingFilter> routesStartingFilter(ObjectProvider<CamelContext> camel, ObjectMapper mapper) {
        FilterRegistrationBean<RoutesStartingFilter> registration = new FilterRegistrationBean<>(new RoutesStartingFilter(() -> {
            CamelContext context = camel.getIfAvailable();
            return context != null && context.isStarted();
        }, new EnvelopeWriter(mapper)));
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.ROUTES_STARTING);
        registration.setName("routesStarting");
        return registration;
    }

    @Bean
    FilterRegistrationBean<ApiTokenFilter> apiTokenFilter(WebProperties properties, ObjectMapper mapper) {
        FilterRegistrationBean<ApiTokenFilter> registration = new FilterRegistrationBean<>(
                new ApiTokenFilter(properties.auth(), new EnvelopeWriter(mapper)));
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.API_TOKEN);
        registration.setName("apiToken");
        registration.setEnabled(properties.auth().enabled());
        return registration;
    }

    @Bean
    @ConditionalOnProperty(name = "budmetrics.web.rate-limit.enabled", havingValue = "true")
    FilterRegistrationBean<RateLimitFilter> rateLimitFilter(WebProperties properties, ObjectMapper mapper) {
        WebProperties.RateLimit settings = properties.rateLimit();
        Duration longest = settings.analytics().period().compareTo(settings.ingest().period()) > 0
                ? settings.analytics().period() : settings.ingest().period();
        Duration idle = longest.multipliedBy(10).compareTo(Duration.ofMinutes(10)) > 0 ? longest.multipliedBy(10) : Duration.ofMinutes(10);
        RateLimiter limiter = new RateLimiter(settings.maxClients(), idle, System::nanoTime);
        FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(
                new RateLimitFilter(limiter, settings, new EnvelopeWriter(mapper)));
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setAsyncSupported(true);
        registration.setOrder(FilterOrder.RATE_LIMIT);
        registration.setName("rateLimit");
        return registration;
    }

    /** Camel applies every InterceptStrategy bean to the routes it builds: this one times the configured steps. */
    @Bean
    ServerTimingSteps serverTimingSteps(ServerTimingProperties properties, ObjectProvider<MeterRegistry> meters) {
        return new ServerTimingSteps(properties.steps(), meters.getIfAvailable());
    }
}
