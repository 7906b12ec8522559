package ai.bud.metrics.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The path a request is routed by, as the container mapped it: percent-decoded, without path parameters
 * ({@code ;x=1}), with dot segments resolved and repeated slashes merged. Filters that decide by path use it,
 * never the raw request URI, so {@code /observability/add;x=1}, {@code /observability/%61dd} and
 * {@code //observability/add} — all served by the ingest route — are the same path to them.
 */
final class RoutedPath {

    private RoutedPath() {
    }

    static String of(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        if (path.isEmpty()) {
            // outside a container mapping (mock requests): the raw URI within the context
            return request.getRequestURI().substring(request.getContextPath().length());
        }
        return path;
    }
}
