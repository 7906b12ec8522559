package ai.bud.metrics.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/** The servlet-edge checks of POST /observability/analytics ({@link AnalyticsRequestFilter}). */
@Configuration
class AnalyticsWebConfiguration {

    @Bean
    FilterRegistrationBean<AnalyticsRequestFilter> analyticsRequestFilter(ObjectMapper mapper,
            @Value("${budmetrics.analytics.max-body-size:64KB}") DataSize maxBodySize) {
        FilterRegistrationBean<AnalyticsRequestFilter> registration = new FilterRegistrationBean<>(
                new AnalyticsRequestFilter(mapper, maxBodySize.toBytes()));
        registration.addUrlPatterns("/observability/analytics");
        registration.setName("analyticsRequest");
        return registration;
    }
}
