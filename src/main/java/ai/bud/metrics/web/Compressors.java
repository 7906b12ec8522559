package ai.bud.metrics.web;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a compressing stream for a coding at the configured level. Closing the returned stream ends the
 * compressed frame but leaves the target open (the servlet container owns it).
 */
public final class Compressors {

    private static final Logger log = LoggerFactory.getLogger(Compressors.class);
    private static final int BUFFER = 64 * 1024;

    private final int brotliQuality;
    private final int zstdLevel;
    private final int gzipLevel;
    private final List<ContentCoding> available;

    public Compressors(int brotliQuality, int zstdLevel, int gzipLevel, List<ContentCoding> preference) {
        this.brotliQuality = brotliQuality;
        this.zstdLevel = zstdLevel;
        this.gzipLevel = gzipLevel;
        List<ContentCoding> usable = new ArrayList<>();
        for (ContentCoding coding : preference) {
            if (loads(coding)) {
                usable.add(coding);
            }
        }
        this.available = List.copyOf(usable);
    }

    /** The configured codings that actually load on this machine, in preference order. */
    public List<ContentCoding> available() {
        return available;
    }

    public OutputStream open(ContentCoding coding, OutputStream target) throws IOException {
        OutputStream out = new KeepOpen(target);
        return switch (coding) {
            case BR -> new BrotliOutputStream(out,
                    new Encoder.Parameters().setQuality(brotliQuality).setMode(Encoder.Mode.TEXT), BUFFER);
            case ZSTD -> new ZstdOutputStream(out, zstdLevel);
            case GZIP -> new LeveledGzip(out, gzipLevel);
        };
    }

    private static boolean loads(ContentCoding coding) {
        try {
            switch (coding) {
                case BR -> Brotli4jLoader.ensureAvailability();
                case ZSTD -> com.github.luben.zstd.util.Native.load();
                case GZIP -> {
                }
            }
            return true;
        } catch (Throwable e) {
            log.warn("{} compression unavailable on this platform, not offered: {}", coding.token(), e.toString());
            return false;
        }
    }

    private static final class LeveledGzip extends GZIPOutputStream {
        LeveledGzip(OutputStream out, int level) throws IOException {
            super(out, BUFFER);
            def.setLevel(level);
        }
    }

    /** Passes writes straight through; close only flushes, so the compressor can end its frame without closing the socket stream. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
