package ai.bud.metrics.web;

import java.util.Locale;
import java.util.Optional;

/** The response codings the service can produce, by their Accept-Encoding / Content-Encoding token. */
public enum ContentCoding {
    BR("br"),
    ZSTD("zstd"),
    GZIP("gzip");

    private final String token;

    ContentCoding(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    public static Optional<ContentCoding> fromToken(String token) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (t.equals("x-gzip")) {
            return Optional.of(GZIP);
        }
        for (ContentCoding coding : values()) {
            if (coding.token.equals(t)) {
                return Optional.of(coding);
            }
        }
        return Optional.empty();
    }
}
