package ai.bud.metrics.web;

import ai.bud.metrics.errors.FieldError;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;

/**
 * Keeps the edge of the contract's paths as it was before rest-openapi served them. Camel's rest-openapi consumer on
 * platform-http (4.17) registers each contract path as a prefix ({@code /health/{*rest}}) and picks the operation by
 * the raw request URI, so on its own it answered {@code /observability/add;x=1} and {@code /observability/%61dd}
 * (mapped to the ingest path by Spring MVC) 404, and answered 404/405 for {@code /health/x}, {@code /observability/add/}
 * or a HEAD with the request's own body and headers echoed back, outside the error envelope. Here:
 * <ul>
 * <li>a request Spring MVC maps to a contract path reaches Camel with exactly that path as its URI;</li>
 * <li>a method the contract does not list for the path is 405 in the envelope (OPTIONS is left to Spring);</li>
 * <li>a path below a contract path is 404 in the envelope, as for any path no route serves, unless a platform-http
 * route of its own serves it (Spring MVC prefers that route's exact mapping to the contract's prefix).</li>
 * </ul>
 * Other paths (routes of their own on platform-http, unknown paths) pass untouched.
 */
final class ContractPathFilter implements Filter {

    private final Map<String, Set<String>> operations;
    private final List<String> prefixes;
    private final Predicate<String> servedByAnotherRoute;
    private final EnvelopeWriter envelopes;

    /** {@code servedByAnotherRoute}: whether a platform-http route outside the contract serves a path (it then passes). */
    ContractPathFilter(ApiContract contract, Predicate<String> servedByAnotherRoute, EnvelopeWriter envelopes) {
        this.operations = contract.operations();
        this.prefixes = operations.keySet().stream().map(path -> path.endsWith("/") ? path : path + "/").toList();
        this.servedByAnotherRoute = servedByAnotherRoute;
        this.envelopes = envelopes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String path = mappedPath(request);
        Set<String> methods = operations.get(path);
        if (methods != null) {
            String method = request.getMethod();
            if (!methods.contains(method) && !"OPTIONS".equals(method)) {
                response.setHeader("Allow", String.join(", ", methods));
                envelopes.write(response, 405, "method " + method + " not allowed on " + request.getRequestURI(),
                        List.of(new FieldError("method", "not allowed on this route")));
                return;
            }
            String uri = request.getContextPath() + path;
            chain.doFilter(uri.equals(request.getRequestURI()) ? request : new ContractPathRequest(request, uri), response);
            return;
        }
        for (String prefix : prefixes) {
            if (path.startsWith(prefix) && !servedByAnotherRoute.test(path)) {
                envelopes.write(response, 404, "no such route: " + request.getRequestURI(),
                        List.of(new FieldError("path", "no such route")));
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /**
     * The path as Spring MVC matches it against the mappings platform-http registers: each segment percent-decoded and
     * without its {@code ;parameters}, but no slashes merged and no dot segments resolved (so {@code //observability/add}
     * stays a path no route serves, as before); the raw path itself when it has nothing to decode.
     */
    static String mappedPath(HttpServletRequest request) {
        String contextPath = request.getContextPath();
        String uri = request.getRequestURI();
        String raw = uri.substring(Math.min(contextPath.length(), uri.length()));
        if (raw.indexOf('%') < 0 && raw.indexOf(';') < 0) {
            return raw;
        }
        StringBuilder path = new StringBuilder(raw.length());
        for (PathContainer.Element element : RequestPath.parse(uri, contextPath).pathWithinApplication().elements()) {
            path.append(element instanceof PathContainer.PathSegment segment ? segment.valueToMatch() : element.value());
        }
        return path.toString();
    }

    /** The request with the contract path Spring MVC maps it to as its URI (what Camel matches operations by). */
    private static final class ContractPathRequest extends HttpServletRequestWrapper {

        private final String uri;

        ContractPathRequest(HttpServletRequest request, String uri) {
            super(request);
            this.uri = uri;
        }

        @Override
        public String getRequestURI() {
            return uri;
        }

        @Override
        public StringBuffer getRequestURL() {
            StringBuffer url = new StringBuffer(getScheme()).append("://").append(getServerName());
            int port = getServerPort();
            if (port > 0 && !(port == 80 && "http".equals(getScheme())) && !(port == 443 && "https".equals(getScheme()))) {
                url.append(':').append(port);
            }
            return url.append(uri);
        }
    }
}
