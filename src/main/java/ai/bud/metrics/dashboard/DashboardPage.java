package ai.bud.metrics.dashboard;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * GET / and /dashboard: the dashboard page, static files from the jar (src/main/resources/static/dashboard) with uPlot
 * from its webjar (/webjars/uplot/…). No token is needed for the page itself (budmetrics.web.auth.exempt-paths); the
 * data calls it makes (/observability/analytics, /observability/ids) send the token the user typed.
 */
@Configuration
class DashboardPage {

    @Bean
    WebMvcConfigurer dashboardViews() {
        return new WebMvcConfigurer() {
            @Override
            public void addViewControllers(ViewControllerRegistry registry) {
                registry.addViewController("/").setViewName("forward:/dashboard/index.html");
                registry.addViewController("/dashboard").setViewName("forward:/dashboard/index.html");
                registry.addViewController("/dashboard/").setViewName("forward:/dashboard/index.html");
            }
        };
    }
}
