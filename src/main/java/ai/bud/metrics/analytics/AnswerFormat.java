package ai.bud.metrics.analytics;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.FieldError;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The formats of an analytics answer: the JSON document of SPEC section 2, or its table ({@link AnalyticsExport}) as CSV
 * or NDJSON. Chosen by {@code ?format=} when given (a download link cannot set headers), else by {@code Accept}.
 */
public enum AnswerFormat {
    JSON("json", "application/json"),
    CSV("csv", "text/csv"),
    NDJSON("ndjson", "application/x-ndjson");

    private final String token;
    private final String mediaType;

    AnswerFormat(String token, String mediaType) {
        this.token = token;
        this.mediaType = mediaType;
    }

    public String token() {
        return token;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The {@code Content-Type} of an answer in this format. */
    public String contentType() {
        return this == CSV ? mediaType + "; charset=utf-8" : mediaType;
    }

    /**
     * @param format the {@code format} query parameter, or null
     * @param accept the {@code Accept} header, or null (JSON)
     * @throws ApiException 422 naming {@code format} for an unknown format, 406 naming {@code Accept} when it accepts none
     */
    static AnswerFormat negotiate(String format, String accept) {
        if (format != null) {
            return byToken(format.strip()).orElseThrow(() -> ApiException.unprocessable("format",
                    "format must be one of json, csv, ndjson, not '" + clip(format) + "'"));
        }
        if (accept == null || accept.isBlank()) {
            return JSON;
        }
        AnswerFormat best = null;
        double bestQuality = 0;
        for (AnswerFormat candidate : values()) {
            double quality = quality(accept, candidate.mediaType);
            if (quality > bestQuality) { // ties keep the earlier: JSON first
                best = candidate;
                bestQuality = quality;
            }
        }
        if (best == null) {
            String message = "Accept must allow application/json, text/csv or application/x-ndjson, not '" + clip(accept) + "'";
            throw new ApiException(406, message, List.of(new FieldError("Accept", message)));
        }
        return best;
    }

    static Optional<AnswerFormat> byToken(String token) {
        for (AnswerFormat candidate : values()) {
            if (candidate.token.equals(token.toLowerCase(Locale.ROOT))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The quality {@code accept} gives {@code mediaType}: that of its most specific matching range (exact, then
     * {@code type/*}, then {@code *}{@code /*}), 0 when none matches (RFC 9110 section 12.5.1).
     */
    static double quality(String accept, String mediaType) {
        String type = mediaType.substring(0, mediaType.indexOf('/'));
        int bestSpecificity = -1;
        double quality = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String name = parts[0].strip().toLowerCase(Locale.ROOT);
            int specificity = name.equals(mediaType) ? 2 : name.equals(type + "/*") ? 1 : name.equals("*/*") ? 0 : -1;
            if (specificity > bestSpecificity) {
                bestSpecificity = specificity;
                quality = qualityParameter(parts);
            }
        }
        return quality;
    }

    private static double qualityParameter(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter.length == 2 && parameter[0].strip().equalsIgnoreCase("q")) {
                try {
                    double q = Double.parseDouble(parameter[1].strip());
                    return q >= 0 && q <= 1 ? q : 0;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    private static String clip(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
