package ai.bud.metrics.analytics;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.ErrorEnvelope;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The analytics request at the servlet edge, before platform-http touches the body: a content type other than JSON in
 * UTF-8 is 415 (a form would otherwise be parsed, and fail, in the servlet layer), a declared length over the limit
 * is 413; any other body is handed on behind a stream that ends one byte past the limit, so no reader (platform-http,
 * Camel's stream cache) can take in more. The route ({@link AnalyticsFlow#parse}) answers 413 when it sees that byte.
 */
class AnalyticsRequestFilter extends OncePerRequestFilter {

    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    AnalyticsRequestFilter(ObjectMapper mapper, long maxBodyBytes) {
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        try {
            AnalyticsFlow.checkContentType(request.getContentType());
            if (request.getContentLengthLong() > maxBodyBytes) {
                throw AnalyticsFlow.tooLarge(maxBodyBytes);
            }
        } catch (ApiException e) {
            response.setStatus(e.status());
            response.setContentType("application/json");
            mapper.writeValue(response.getOutputStream(), ErrorEnvelope.of(e.status(), e.getMessage(), e.errors()));
            return;
        }
        chain.doFilter(new CappedBodyRequest(request, maxBodyBytes + 1), response);
    }

    /** The request with a body stream that reports its end after {@code cap} bytes. */
    static final class CappedBodyRequest extends HttpServletRequestWrapper {

        private final long cap;
        private ServletInputStream stream;

        CappedBodyRequest(HttpServletRequest request, long cap) {
            super(request);
            this.cap = cap;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new CappedStream(super.getInputStream(), cap);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }

    private static final class CappedStream extends ServletInputStream {

        private final ServletInputStream in;
        private long left;

        CappedStream(ServletInputStream in, long cap) {
            this.in = in;
            this.left = cap;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buffer, offset, (int) Math.min(length, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public boolean isFinished() {
            return left <= 0 || in.isFinished();
        }

        @Override
        public boolean isReady() {
            return left <= 0 || in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
