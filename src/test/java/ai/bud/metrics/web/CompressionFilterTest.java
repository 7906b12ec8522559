package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

/** The filter against servlet mocks: the decisions and the asynchronous two-dispatch lifecycle. */
class CompressionFilterTest {

    private static final byte[] LARGE = AnalyticsLikeJson.generate(5, 20, 0.75, 3);

    private final CompressionFilter filter = new CompressionFilter(
            new Compressors(4, 3, 6, List.of(ContentCoding.BR, ContentCoding.ZSTD, ContentCoding.GZIP)),
            DataSize.ofKilobytes(1), List.of("application/json", "application/*+json", "text/*"));

    private static MockHttpServletRequest request(String acceptEncoding) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/x");
        request.setDispatcherType(DispatcherType.REQUEST);
        if (acceptEncoding != null) {
            request.addHeader("Accept-Encoding", acceptEncoding);
        }
        return request;
    }

    private static FilterChain writes(String contentType, byte[] body) {
        return (req, res) -> {
            res.setContentType(contentType);
            res.setContentLength(body.length);
            res.getOutputStream().write(body);
            res.flushBuffer();
        };
    }

    private static byte[] gunzip(byte[] body) throws Exception {
        return new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
    }

    @Test
    void compressesALargeJsonBodyAndDropsItsLength() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request("gzip"), response, writes("application/json", LARGE));

        assertThat(response.getHeader("Content-Encoding")).isEqualTo("gzip");
        assertThat(response.getHeader("Vary")).isEqualTo("Accept-Encoding");
        assertThat(response.containsHeader("Content-Length")).isFalse();
        assertThat(gunzip(response.getContentAsByteArray())).isEqualTo(LARGE);
    }

    @Test
    void leavesABodyOfExactlyMinSizeAloneWithItsLength() throws Exception {
        byte[] body = new byte[1024];
        java.util.Arrays.fill(body, (byte) 'a');
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request("gzip"), response, writes("text/plain", body));

        assertThat(response.getHeader("Content-Encoding")).isNull();
        assertThat(response.getHeader("Vary")).isEqualTo("Accept-Encoding");
        assertThat(response.getContentLength()).isEqualTo(1024);
        assertThat(response.getContentAsByteArray()).isEqualTo(body);
    }

    @Test
    void compressesOneByteOverMinSize() throws Exception {
        byte[] body = new byte[1025];
        java.util.Arrays.fill(body, (byte) 'a');
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request("gzip"), response, writes("text/plain;charset=UTF-8", body));

        assertThat(response.getHeader("Content-Encoding")).isEqualTo("gzip");
        assertThat(gunzip(response.getContentAsByteArray())).isEqualTo(body);
    }

    @Test
    void neverCompressesTwice() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request("gzip, br"), response, (req, res) -> {
            ((HttpServletResponse) res).setHeader("Content-Encoding", "gzip");
            writes("application/json", LARGE).doFilter(req, res);
        });

        assertThat(response.getHeader("Content-Encoding")).isEqualTo("gzip");
        assertThat(response.getHeaders("Content-Encoding")).hasSize(1);
        assertThat(response.getContentAsByteArray()).isEqualTo(LARGE);
        assertThat(response.getContentLength()).isEqualTo(LARGE.length);
    }

    @Test
    void leavesOtherTypesAndStatusesAlone() throws Exception {
        MockHttpServletResponse binary = new MockHttpServletResponse();
        filter.doFilter(request("gzip"), binary, writes("application/octet-stream", LARGE));
        assertThat(binary.getHeader("Content-Encoding")).isNull();
        assertThat(binary.getHeader("Vary")).isNull();
        assertThat(binary.getContentAsByteArray()).isEqualTo(LARGE);

        MockHttpServletResponse events = new MockHttpServletResponse();
        filter.doFilter(request("gzip"), events, writes("text/event-stream", LARGE));
        assertThat(events.getHeader("Content-Encoding")).isNull();

        MockHttpServletResponse partial = new MockHttpServletResponse();
        filter.doFilter(request("gzip"), partial, (req, res) -> {
            ((HttpServletResponse) res).setStatus(206);
            writes("application/json", LARGE).doFilter(req, res);
        });
        assertThat(partial.getHeader("Content-Encoding")).isNull();
        assertThat(partial.getContentAsByteArray()).isEqualTo(LARGE);
    }

    @Test
    void compressesWhatIsWrittenThroughTheWriter() throws Exception {
        String text = new String(LARGE, StandardCharsets.UTF_8) + " \u00e9\u20ac";
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request("gzip"), response, (req, res) -> {
            res.setContentType("application/json");
            res.setCharacterEncoding("UTF-8");
            PrintWriter writer = res.getWriter();
            writer.write(text);
        });

        assertThat(new String(gunzip(response.getContentAsByteArray()), StandardCharsets.UTF_8)).isEqualTo(text);
    }

    @Test
    void sendErrorPassesStraightThrough() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request("gzip"), response, (req, res) -> ((HttpServletResponse) res).sendError(404));

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.isCommitted()).isTrue();
        assertThat(response.getHeader("Content-Encoding")).isNull();
    }

    @Test
    void asyncRequestIsEndedOnlyOnTheLastDispatch() throws Exception {
        MockHttpServletRequest request = request("gzip");
        MockHttpServletResponse response = new MockHttpServletResponse();
        AtomicReference<ServletResponse> handedToHandler = new AtomicReference<>();

        // REQUEST dispatch: the handler goes async and writes nothing yet
        filter.doFilter(request, response, (req, res) -> {
            handedToHandler.set(res);
            request.setAsyncStarted(true);
        });
        assertThat(response.getContentAsByteArray()).isEmpty();
        assertThat(response.isCommitted()).isFalse();

        // a worker thread writes the body into the response the handler was given (small, so still held)
        ServletResponse handlerResponse = handedToHandler.get();
        handlerResponse.setContentType("application/json");
        handlerResponse.getOutputStream().write(LARGE, 0, 1000);
        assertThat(response.getContentAsByteArray()).isEmpty();
        handlerResponse.getOutputStream().write(LARGE, 1000, LARGE.length - 1000);
        handlerResponse.getOutputStream().close();

        // ASYNC dispatch: the request leaves async mode, the filter ends the compressed stream
        request.setAsyncStarted(false);
        request.setDispatcherType(DispatcherType.ASYNC);
        AtomicReference<ServletResponse> onAsync = new AtomicReference<>();
        filter.doFilter(request, response, (req, res) -> onAsync.set(res));

        assertThat(onAsync.get()).isSameAs(handlerResponse);
        assertThat(response.getHeader("Content-Encoding")).isEqualTo("gzip");
        assertThat(gunzip(response.getContentAsByteArray())).isEqualTo(LARGE);
        assertThat(request.getAttribute(CompressionFilter.WRAPPER)).isNull();
    }

    @Test
    void asyncSmallBodyGetsItsLengthOnTheLastDispatch() throws Exception {
        MockHttpServletRequest request = request("br");
        MockHttpServletResponse response = new MockHttpServletResponse();
        byte[] small = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

        filter.doFilter(request, response, (req, res) -> {
            request.setAsyncStarted(true);
            res.setContentType("application/json");
            res.getOutputStream().write(small);
        });
        assertThat(response.getContentAsByteArray()).isEmpty();
        request.setAsyncStarted(false);
        request.setDispatcherType(DispatcherType.ASYNC);
        filter.doFilter(request, response, (req, res) -> {
        });

        assertThat(response.getHeader("Content-Encoding")).isNull();
        assertThat(response.getContentLength()).isEqualTo(small.length);
        assertThat(response.getContentAsByteArray()).isEqualTo(small);
    }
}
