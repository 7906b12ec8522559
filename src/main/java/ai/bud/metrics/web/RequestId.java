package ai.bud.metrics.web;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Every request's id: the caller's {@code X-Request-Id} when it is a sane value (1–128 characters of letters, digits and
 * {@code . _ : = + / -}), else a new UUID. It is sent back in {@code X-Request-Id} and is {@code request_id} in the MDC
 * of every log line written for the request: on the container's threads here (the request, the async completion and
 * the error dispatch each find it in a request attribute) and on the worker threads that run the Camel routes
 * ({@link MdcTaskDecorator}). Outermost filter, so that every answer carries it, the 503 while starting included.
 */
final class RequestId implements Filter {

    static final String HEADER = "X-Request-Id";
    static final String MDC_KEY = "request_id";
    static final String ATTRIBUTE = RequestId.class.getName();
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:=+/-]{1,128}");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        String id = (String) request.getAttribute(ATTRIBUTE);
        if (id == null) {
            id = accepted(((HttpServletRequest) request).getHeader(HEADER));
            request.setAttribute(ATTRIBUTE, id);
        }
        if (!response.isCommitted()) {
            ((HttpServletResponse) response).setHeader(HEADER, id);
        }
        String outer = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, id);
        try {
            chain.doFilter(request, response);
        } finally {
            if (outer == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, outer);
            }
        }
    }

    /** The caller's id when it is sane, else a new one. */
    static String accepted(String offered) {
        return offered != null && SANE.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
    }
}
