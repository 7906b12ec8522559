package ai.bud.metrics.web;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;

/**
 * Compresses responses with the coding the client ranks best (br, zstd, gzip) when the body is larger than
 * {@code min-size} and its content type is compressible; adds {@code Vary: Accept-Encoding} to every response
 * of a compressible type.
 *
 * <p>platform-http routes complete asynchronously: the request dispatch returns with the request in async
 * mode, a worker thread writes the body, and the container dispatches again (ASYNC) when it is done. The
 * filter is registered for both dispatch types, wraps the response once (kept in a request attribute) and ends
 * it only on the dispatch after which the request is no longer in async mode.
 */
public class CompressionFilter implements Filter {

    static final String WRAPPER = CompressionFilter.class.getName() + ".response";

    private final Compressors compressors;
    private final long minSize;
    private final List<MediaType> compressibleTypes;

    public CompressionFilter(Compressors compressors, DataSize minSize, List<String> mimeTypes) {
        this.compressors = compressors;
        this.minSize = minSize.toBytes();
        this.compressibleTypes = mimeTypes.stream().map(MediaType::parseMediaType).toList();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        CompressingResponse wrapper = (CompressingResponse) request.getAttribute(WRAPPER);
        if (wrapper == null) {
            if (request.getDispatcherType() != DispatcherType.REQUEST) {
                chain.doFilter(request, response);
                return;
            }
            Optional<ContentCoding> coding = AcceptEncoding.choose(request.getHeader("Accept-Encoding"), compressors.available());
            wrapper = new CompressingResponse(response, coding.orElse(null), compressors, minSize, this::isCompressible,
                    "HEAD".equals(request.getMethod()));
            request.setAttribute(WRAPPER, wrapper);
            chain.doFilter(request, wrapper);
        } else {
            // a later (async) dispatch: keep writing into the same wrapper
            chain.doFilter(request, wraps(response, wrapper) ? response : wrapper);
        }
        if (!request.isAsyncStarted()) {
            request.removeAttribute(WRAPPER);
            wrapper.finish();
        }
    }

    private static boolean wraps(ServletResponse response, CompressingResponse wrapper) {
        return response == wrapper || (response instanceof ServletResponseWrapper outer && outer.isWrapperFor(wrapper));
    }

    boolean isCompressible(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return false;
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)) {
            return false; // a stream of events must reach the client as it is written, not held for a compressor
        }
        for (MediaType candidate : compressibleTypes) {
            if (candidate.includes(type)) {
                return true;
            }
        }
        return false;
    }
}
