package ai.bud.metrics.web;

import ai.bud.metrics.errors.FieldError;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.util.AntPathMatcher;

/**
 * Dapr's app API token: when configured, every path except the exempt ones (health probes) must carry the
 * shared secret in {@code dapr-api-token}; otherwise 401 in the error envelope. Both sides are hashed before a
 * constant-time comparison, so neither the content nor the length of the secret leaks through timing.
 */
public class ApiTokenFilter implements Filter {

    private final byte[] expected;
    private final String header;
    private final List<String> exemptPaths;
    private final EnvelopeWriter envelopes;
    private final AntPathMatcher paths = new AntPathMatcher();

    public ApiTokenFilter(WebProperties.Auth auth, EnvelopeWriter envelopes) {
        this.expected = digest(auth.enabled() ? auth.apiToken() : "");
        this.header = auth.header();
        this.exemptPaths = auth.exemptPaths();
        this.envelopes = envelopes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String path = RoutedPath.of(request);
        if (exemptPaths.stream().anyMatch(pattern -> paths.match(pattern, path))) {
            chain.doFilter(request, response);
            return;
        }
        String provided = request.getHeader(header);
        if (provided != null && MessageDigest.isEqual(expected, digest(provided))) {
            chain.doFilter(request, response);
            return;
        }
        String message = provided == null ? "missing " + header + " header" : "invalid " + header + " header";
        envelopes.write(response, 401, message, List.of(new FieldError(header, message)));
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
