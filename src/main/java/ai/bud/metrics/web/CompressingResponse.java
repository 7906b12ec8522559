package ai.bud.metrics.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.function.Predicate;

/**
 * Holds the first {@code minSize} bytes of a response back; once more arrive it decides: compress (sets
 * {@code Content-Encoding}, drops {@code Content-Length}, streams through the compressor from then on) or pass
 * through. A body that never grows past {@code minSize} goes out as is, with its exact length, when the filter
 * calls {@link #finish()} on the request's last dispatch. Not thread-safe: one writer at a time, which the
 * servlet async model guarantees (the async dispatch happens after the writer thread is done).
 */
final class CompressingResponse extends HttpServletResponseWrapper {

    private enum State { BUFFERING, IDENTITY, COMPRESSING, BYPASS, DONE }

    private final ContentCoding coding;
    private final Compressors compressors;
    private final long minSize;
    private final Predicate<String> compressibleType;
    private final boolean headRequest;

    private State state = State.BUFFERING;
    private ByteArrayOutputStream held = new ByteArrayOutputStream(1024);
    private OutputStream sink;
    private Long declaredLength;
    private ServletOutputStream stream;
    private PrintWriter writer;

    CompressingResponse(HttpServletResponse response, ContentCoding coding, Compressors compressors, long minSize,
                        Predicate<String> compressibleType, boolean headRequest) {
        super(response);
        this.coding = coding;
        this.compressors = compressors;
        this.minSize = minSize;
        this.compressibleType = compressibleType;
        this.headRequest = headRequest;
    }

    /** Ends the response: writes a small held body, or closes the compressed frame. Idempotent. */
    void finish() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        if (state == State.BUFFERING) {
            decide(false);
        }
        if (state == State.COMPRESSING) {
            sink.close();
        }
        if (state != State.BYPASS) {
            state = State.DONE;
        }
    }

    private void write(byte[] bytes, int off, int len) throws IOException {
        switch (state) {
            case BUFFERING -> {
                held.write(bytes, off, len);
                if (held.size() > minSize) {
                    decide(true);
                }
            }
            case IDENTITY, COMPRESSING -> sink.write(bytes, off, len);
            case BYPASS -> {
            }
            case DONE -> throw new IOException("response already finished");
        }
    }

    private void decide(boolean large) throws IOException {
        HttpServletResponse target = (HttpServletResponse) getResponse();
        boolean compressible = compressibleType.test(target.getContentType())
                && !target.containsHeader("Content-Encoding");
        if (compressible) {
            addVary(target);
        }
        int status = target.getStatus();
        boolean compress = compressible && large && coding != null && !headRequest
                && status >= 200 && status != 204 && status != 206 && status != 304;
        byte[] body = held.toByteArray();
        held = null;
        if (compress) {
            target.setHeader("Content-Encoding", coding.token());
            sink = compressors.open(coding, target.getOutputStream());
            state = State.COMPRESSING;
        } else {
            if (declaredLength != null) {
                target.setContentLengthLong(declaredLength);
            } else if (!large) {
                target.setContentLength(body.length);
            }
            sink = target.getOutputStream();
            state = State.IDENTITY;
        }
        sink.write(body);
    }

    private static void addVary(HttpServletResponse target) {
        for (String vary : target.getHeaders("Vary")) {
            for (String name : vary.split(",")) {
                if (name.trim().equalsIgnoreCase("Accept-Encoding") || name.trim().equals("*")) {
                    return;
                }
            }
        }
        target.addHeader("Vary", "Accept-Encoding");
    }

    @Override
    public ServletOutputStream getOutputStream() {
        if (stream == null) {
            stream = new HeldStream();
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), Charset.forName(getCharacterEncoding())));
        }
        return writer;
    }

    @Override
    public void setContentLength(int len) {
        setContentLengthLong(len);
    }

    @Override
    public void setContentLengthLong(long len) {
        switch (state) {
            case BUFFERING -> declaredLength = len;
            case IDENTITY, BYPASS -> super.setContentLengthLong(len);
            default -> {
            }
        }
    }

    @Override
    public void setHeader(String name, String value) {
        if (isContentLength(name)) {
            if (value != null) {
                setContentLengthLong(Long.parseLong(value.trim()));
            }
            return;
        }
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        if (isContentLength(name)) {
            setHeader(name, value);
            return;
        }
        super.addHeader(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (isContentLength(name)) {
            setContentLengthLong(value);
            return;
        }
        super.setIntHeader(name, value);
    }

    @Override
    public void addIntHeader(String name, int value) {
        if (isContentLength(name)) {
            setContentLengthLong(value);
            return;
        }
        super.addIntHeader(name, value);
    }

    private static boolean isContentLength(String name) {
        return "Content-Length".equalsIgnoreCase(name);
    }

    @Override
    public void flushBuffer() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        if (state == State.IDENTITY) {
            super.flushBuffer();
        }
    }

    @Override
    public boolean isCommitted() {
        return state != State.BUFFERING && super.isCommitted();
    }

    @Override
    public void reset() {
        super.reset();
        clearHeld();
    }

    @Override
    public void resetBuffer() {
        super.resetBuffer();
        clearHeld();
    }

    private void clearHeld() {
        if (state == State.BUFFERING) {
            held.reset();
            declaredLength = null;
        }
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        bypass();
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        bypass();
        super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        bypass();
        super.sendRedirect(location);
    }

    private void bypass() {
        if (state == State.BUFFERING) {
            held = null;
            state = State.BYPASS;
        }
    }

    private final class HeldStream extends ServletOutputStream {

        @Override
        public void write(int b) throws IOException {
            CompressingResponse.this.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            CompressingResponse.this.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (state == State.IDENTITY) {
                sink.flush();
            }
        }

        @Override
        public void close() {
            // the filter ends the response on the request's last dispatch
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new UnsupportedOperationException("non-blocking writes are not supported behind the compression filter");
        }
    }
}
