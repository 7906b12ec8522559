package ai.bud.metrics.analytics;

import ai.bud.metrics.clickhouse.EngineClient;
import ai.bud.metrics.web.QueryGate;
import ai.bud.metrics.web.WebProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.service.ServiceSupport;
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

    /** The name the analytics route's {@code low-priority-threads} step finds its threads by. */
    static final String ANALYTICS_WORKERS = "analyticsWorkers";

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
     * The threads the analytics route moves to on a cache miss (its {@code low-priority-threads} step): the query's wait,
     * the answer's JSON, compression and writing run there, at nice {@code ANALYTICS_OS_THREAD_PRIORITY}, so that when
     * the CPU is short ingestion goes first. As many as the service's worker threads; the query gate bounds how many
     * of them wait on the engine.
     */
    @Bean
    CamelContextConfiguration analyticsWorkers(@Value("${budmetrics.analytics.os-thread-priority:10}") int nice,
            @Value("${spring.task.execution.pool.max-size:32}") int threads) {
        // bound in Camel's registry, not declared as a Spring bean: an Executor bean would stand in for Boot's task
        // executor, which platform-http needs
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext context) {
                ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(), new LowPriorityThreads("analytics-", nice));
                pool.allowCoreThreadTimeOut(true);
                context.getRegistry().bind(ANALYTICS_WORKERS, ExecutorService.class, pool);
                try {
                    context.addService(new ServiceSupport() {
                        @Override
                        protected void doStop() {
                            pool.shutdownNow();
                        }
                    });
                } catch (Exception e) {
                    pool.shutdownNow();
                    throw new IllegalStateException("cannot register the analytics threads with Camel", e);
                }
            }

            @Override
            public void afterApplicationStart(CamelContext context) {
                // nothing to do once started
            }
        };
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
