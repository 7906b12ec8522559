package ai.bud.metrics.web;

import org.springframework.core.Ordered;

/**
 * The order of the service's servlet filters, outermost first (docs/OPERATIONS.md). The ingest check
 * (size and content type from the headers, ai.bud.metrics.ingest) comes before the rate limiter, the only
 * filter that reads a body: a declared oversized or non-JSON body is answered at once, never read.
 */
public final class FilterOrder {

    /** Every answer carries X-Request-Id and every log line of the request its request_id (RequestId). */
    public static final int REQUEST_ID = Ordered.HIGHEST_PRECEDENCE + 2;
    /** Until the routes are started every path is 503 (not the container's 404, which Dapr would drop). */
    public static final int ROUTES_STARTING = Ordered.HIGHEST_PRECEDENCE + 5;
    /** Sees every byte written, including the errors the filters below write. */
    public static final int COMPRESSION = Ordered.HIGHEST_PRECEDENCE + 10;
    /** Unauthenticated requests never reach the body checks or spend anyone's rate-limit budget. */
    public static final int API_TOKEN = Ordered.HIGHEST_PRECEDENCE + 20;
    /** Requests the container routes to a contract path reach rest-openapi by that path (ContractPathFilter). */
    public static final int CONTRACT_PATHS = Ordered.HIGHEST_PRECEDENCE + 22;
    public static final int INGEST_REQUEST_CHECK = Ordered.HIGHEST_PRECEDENCE + 25;
    public static final int RATE_LIMIT = Ordered.HIGHEST_PRECEDENCE + 30;

    private FilterOrder() {
    }
}
