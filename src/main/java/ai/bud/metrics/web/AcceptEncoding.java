package ai.bud.metrics.web;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Picks the response coding from an {@code Accept-Encoding} header (RFC 9110 section 12.5.3): the supported
 * coding with the highest q-value wins, ties go to the server's preference order, {@code q=0} refuses a coding,
 * {@code *} stands for every coding not named, and an explicit {@code identity} ranked strictly above the best
 * coding (or no acceptable coding at all) means the body goes out uncompressed. The body is never refused (no 406):
 * when nothing is acceptable it is sent as is.
 */
public final class AcceptEncoding {

    private AcceptEncoding() {
    }

    public static Optional<ContentCoding> choose(String header, List<ContentCoding> preference) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        Map<String, Double> weights = new HashMap<>();
        for (String part : header.split(",")) {
            String[] pieces = part.split(";");
            String name = pieces[0].trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (name.equals("x-gzip")) {
                name = "gzip";
            }
            Double q = 1.0;
            for (int i = 1; i < pieces.length; i++) {
                String param = pieces[i].trim();
                if (param.regionMatches(true, 0, "q=", 0, 2)) {
                    q = parseQ(param.substring(2).trim());
                }
            }
            if (q != null) {
                weights.merge(name, q, Math::max);
            }
        }
        Double star = weights.get("*");
        ContentCoding best = null;
        double bestQ = 0;
        for (ContentCoding coding : preference) {
            double q = weights.getOrDefault(coding.token(), star == null ? 0.0 : star);
            if (q > bestQ) {
                best = coding;
                bestQ = q;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        Double identity = weights.get("identity");
        return identity != null && identity > bestQ ? Optional.empty() : Optional.of(best);
    }

    /** A qvalue is 0..1 with at most three decimals; anything else makes the entry void (null). */
    private static Double parseQ(String text) {
        if (!text.matches("(0(\\.\\d{0,3})?|1(\\.0{0,3})?)")) {
            return null;
        }
        return Double.parseDouble(text);
    }
}
