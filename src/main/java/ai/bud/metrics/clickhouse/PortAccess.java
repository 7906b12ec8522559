package ai.bud.metrics.clickhouse;

import com.sun.net.httpserver.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * Who may use the embedded engine's port: programs on this machine, not web pages, and only with the credentials
 * when some are configured.
 * <ul>
 * <li>A request a browser sends for a page carries {@code Origin} (every POST, any cross-origin fetch) or
 * {@code Sec-Fetch-Site} other than {@code none} (an image or link to the port): refused, so a page the developer
 * opens cannot make the engine run anything. A URL typed into the address bar ({@code Sec-Fetch-Site: none}) is
 * served.</li>
 * <li>{@code Host} must name the loopback interface, so a page whose DNS name is re-pointed at 127.0.0.1 (DNS
 * rebinding) is refused too.</li>
 * <li>Credentials as ClickHouse clients send them: HTTP basic auth, {@code X-ClickHouse-User}/{@code X-ClickHouse-Key},
 * or the {@code user}/{@code password} URL parameters; their SHA-256 digests compared in constant time.</li>
 * </ul>
 */
final class PortAccess {

    /** SHA-256 of the expected user and password (digests of equal length: the comparison time says nothing). */
    private final byte[] user;
    private final byte[] password;

    /** No credential check when both are null. */
    PortAccess(String user, String password) {
        boolean required = user != null || password != null;
        this.user = required ? digest(user == null ? "default" : user) : null;
        this.password = required ? digest(password == null ? "" : password) : null;
    }

    /** Throws {@link EngineQueryException} when the request comes from a web page or names another host. */
    void checkLocalClient(Headers headers) {
        if (headers.containsKey("Origin")) {
            throw EngineQueryException.of(497, "ACCESS_DENIED", "Requests from web pages (with an Origin header) are not served on the"
                    + " embedded engine's port");
        }
        String fetchSite = headers.getFirst("Sec-Fetch-Site");
        if (fetchSite != null && !fetchSite.equalsIgnoreCase("none")) {
            throw EngineQueryException.of(497, "ACCESS_DENIED", "Requests from web pages (Sec-Fetch-Site: " + token(fetchSite)
                    + ") are not served on the embedded engine's port");
        }
        String host = headers.getFirst("Host");
        if (host != null && !isLoopback(host)) {
            throw EngineQueryException.of(497, "ACCESS_DENIED", "The embedded engine's port answers only requests addressed to"
                    + " 127.0.0.1, localhost or [::1]");
        }
    }

    /** Throws {@link EngineQueryException} (AUTHENTICATION_FAILED) when credentials are required and these do not match. */
    void checkCredentials(Headers headers, Map<String, String> params) {
        if (user == null) {
            return;
        }
        String givenUser;
        String givenPassword;
        String authorization = headers.getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded = decodeBasic(authorization.substring(6).strip());
            int colon = decoded == null ? -1 : decoded.indexOf(':');
            givenUser = colon < 0 ? null : decoded.substring(0, colon);
            givenPassword = colon < 0 ? null : decoded.substring(colon + 1);
        } else if (headers.containsKey("X-ClickHouse-User") || headers.containsKey("X-ClickHouse-Key")) {
            givenUser = headers.getFirst("X-ClickHouse-User");
            givenPassword = headers.getFirst("X-ClickHouse-Key");
        } else {
            givenUser = params.get("user");
            givenPassword = params.get("password");
        }
        boolean userMatches = MessageDigest.isEqual(user, digest(givenUser == null ? "default" : givenUser));
        boolean passwordMatches = MessageDigest.isEqual(password, digest(givenPassword == null ? "" : givenPassword));
        if (!userMatches || !passwordMatches) {
            throw EngineQueryException.of(516, "AUTHENTICATION_FAILED", "Authentication failed: password is incorrect, or there is no"
                    + " user with such name");
        }
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String decodeBasic(String encoded) {
        try {
            return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isLoopback(String hostHeader) {
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close > 0 && host.substring(1, close).equals("::1");
        }
        int colon = host.indexOf(':');
        String name = colon < 0 ? host : host.substring(0, colon);
        return name.equals("localhost") || name.equals("127.0.0.1") || name.isEmpty();
    }

    private static String token(String value) {
        return value.replaceAll("[^A-Za-z-]", "");
    }
}
