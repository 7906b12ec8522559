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
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.util.AntPathMatcher;

/**
 * Per-client rate limits (SPEC section 6), off unless enabled: every response on a limited path carries
 * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset} (seconds until the bucket
 * is full again); a request over the limit gets 429, {@code Retry-After} (seconds) and the error envelope, and
 * never reaches the route. The client is a {@link ClientIdentity}; paths are matched as routed ({@link RoutedPath}).
 * Ingest rules count events: the body (up to {@code count-events-max-body}) is read here, counted with a
 * streaming pass and handed on unchanged — after the ingest size and content-type check, which runs first
 * ({@link FilterOrder}) so that a declared oversized body is refused without being read.
 */
public class RateLimitFilter implements Filter {

    private final RateLimiter limiter;
    private final Map<String, WebProperties.Limit> rules;
    private final ClientIdentity identity;
    private final long countEventsMaxBody;
    private final EnvelopeWriter envelopes;
    private final AntPathMatcher paths = new AntPathMatcher();

    public RateLimitFilter(RateLimiter limiter, WebProperties.RateLimit settings, EnvelopeWriter envelopes) {
        this.limiter = limiter;
        Map<String, WebProperties.Limit> named = new LinkedHashMap<>();
        named.put("analytics", settings.analytics());
        named.put("ingest", settings.ingest());
        this.rules = named;
        this.identity = new ClientIdentity(settings.identityHeader(), settings.trustForwardedFor());
        this.countEventsMaxBody = settings.countEventsMaxBody().toBytes();
        this.envelopes = envelopes;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String path = RoutedPath.of(request);
        for (Map.Entry<String, WebProperties.Limit> rule : rules.entrySet()) {
            if (matches(rule.getValue().paths(), path)) {
                limit(rule.getKey(), rule.getValue(), request, response, chain);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private void limit(String name, WebProperties.Limit rule, HttpServletRequest request, HttpServletResponse response,
                       FilterChain chain) throws IOException, ServletException {
        HttpServletRequest forward = request;
        long cost = 1;
        if (rule.countEvents()) {
            InputStream in = request.getInputStream();
            byte[] prefix = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, countEventsMaxBody + 1));
            if (prefix.length <= countEventsMaxBody) {
                cost = EventCounter.count(prefix);
                forward = new CachedBodyRequest(request, prefix, null);
            } else {
                forward = new CachedBodyRequest(request, prefix, in);
            }
        }
        String client = identity.of(request);
        TokenBucket.Decision decision = limiter.take(name, rule, client, cost);
        response.setHeader("X-RateLimit-Limit", Long.toString(decision.limit()));
        response.setHeader("X-RateLimit-Remaining", Long.toString(decision.remaining()));
        response.setHeader("X-RateLimit-Reset", Long.toString(decision.resetSeconds()));
        if (decision.allowed()) {
            chain.doFilter(forward, response);
            return;
        }
        response.setHeader("Retry-After", Long.toString(decision.retryAfterSeconds()));
        String unit = rule.countEvents() ? "events" : "requests";
        String message = "rate limit exceeded: " + rule.limit() + " " + unit + " per " + human(rule) + " for client "
                + client + (cost > 1 ? " (this request carries " + cost + " events)" : "")
                + "; retry in " + decision.retryAfterSeconds() + " s";
        envelopes.write(response, 429, message, List.of(new FieldError("client", "over the rate limit of " + rule.limit() + " " + unit + " per " + human(rule))));
    }

    private boolean matches(List<String> patterns, String path) {
        for (String pattern : patterns) {
            if (paths.match(pattern, path)) {
                return true;
            }
        }
        return false;
    }

    private static String human(WebProperties.Limit rule) {
        long seconds = rule.period().toSeconds();
        if (seconds == 1) {
            return "second";
        }
        if (seconds == 60) {
            return "minute";
        }
        return rule.period().toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
