package ai.bud.metrics.web;

import ai.bud.metrics.errors.FieldError;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Answers 503 with {@code Retry-After} while the routes are not started yet. Tomcat opens the port before Camel has
 * started the YAML routes (platform-http registers their paths as they start), and in that window every path was
 * answered 404: Dapr drops a delivery answered 404, so the events posted during a restart were lost (scripts/chaos.sh,
 * fault a). A 503 makes Dapr, and any client, deliver again. Once the routes are up the check is one volatile read.
 */
final class RoutesStartingFilter implements Filter {

    static final String RETRY_AFTER_SECONDS = "1";

    private final BooleanSupplier routesStarted;
    private final EnvelopeWriter envelopes;
    private volatile boolean started;

    RoutesStartingFilter(BooleanSupplier routesStarted, EnvelopeWriter envelopes) {
        this.routesStarted = routesStarted;
        this.envelopes = envelopes;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (started || (started = routesStarted.getAsBoolean())) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletResponse http = (HttpServletResponse) response;
        http.setHeader("Retry-After", RETRY_AFTER_SECONDS);
        envelopes.write(http, 503, "the service is starting; retry in a moment",
                List.of(new FieldError("service", "the routes are not started yet")));
    }
}
