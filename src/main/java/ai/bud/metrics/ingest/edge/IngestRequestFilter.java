package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.errors.ErrorEnvelope;
import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rejects an ingestion request by its headers before the body is read: a non-JSON content type (415) —
 * platform-http would otherwise try to parse a form post and fail with a 500 — and a declared length over
 * the limit (413). The route checks both again on what it actually received.
 */
class IngestRequestFilter extends OncePerRequestFilter {

    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    IngestRequestFilter(ObjectMapper mapper, long maxBodyBytes) {
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if ("POST".equals(request.getMethod())) {
            String contentType = request.getContentType();
            if (contentType != null && !IngestHttp.isJson(contentType)) {
                String message = "Content-Type must be application/json or application/cloudevents+json, not " + contentType.strip();
                reject(response, 415, message, "Content-Type");
                return;
            }
            if (request.getContentLengthLong() > maxBodyBytes) {
                reject(response, 413, "body is larger than " + maxBodyBytes + " bytes; send smaller batches", "body");
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private void reject(HttpServletResponse response, int status, String message, String field) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        mapper.writeValue(response.getOutputStream(), ErrorEnvelope.of(status, message, List.of(new FieldError(field, message))));
    }
}
