package ai.bud.metrics.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Serves a request body the filter already read (a prefix of it, followed by whatever was left unread). */
final class CachedBodyRequest extends HttpServletRequestWrapper {

    private final byte[] prefix;
    private final InputStream rest;
    private ServletInputStream stream;
    private BufferedReader reader;

    CachedBodyRequest(HttpServletRequest request, byte[] prefix, InputStream rest) {
        super(request);
        this.prefix = prefix;
        this.rest = rest;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (stream == null) {
            InputStream source = rest == null ? new ByteArrayInputStream(prefix)
                    : new SequenceInputStream(new ByteArrayInputStream(prefix), rest);
            stream = new ServletInputStream() {
                private boolean finished;

                @Override
                public int read() throws IOException {
                    int b = source.read();
                    finished = b < 0;
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = source.read(b, off, len);
                    finished = n < 0;
                    return n;
                }

                @Override
                public boolean isFinished() {
                    return finished;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body was already read by the rate limiter");
                }
            };
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() {
        if (reader == null) {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
        return reader;
    }
}
