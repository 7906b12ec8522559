package ai.bud.metrics.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/** Decodes a response body by its {@code Content-Encoding}, with decoders independent of the service's encoders. */
public final class ContentCodings {

    private ContentCodings() {
    }

    public static byte[] decode(String coding, byte[] body) throws IOException {
        return switch (coding) {
            case "gzip" -> new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
            case "br" -> {
                DirectDecompress result = Decoder.decompress(body);
                assertThat(result.getResultStatus()).isEqualTo(DecoderJNI.Status.DONE);
                yield result.getDecompressedData();
            }
            case "zstd" -> new io.airlift.compress.zstd.ZstdInputStream(new ByteArrayInputStream(body)).readAllBytes();
            default -> throw new IllegalArgumentException(coding);
        };
    }
}
