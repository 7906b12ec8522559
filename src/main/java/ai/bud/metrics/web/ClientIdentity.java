package ai.bud.metrics.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who a request counts against for rate limits: the value of the identity header (Dapr's
 * {@code dapr-caller-app-id} by default, which the sidecar sets on service invocation) when the request carries
 * one, else the address ({@link ClientAddress}). Identities are kept apart from addresses ({@code header=value})
 * and cut to {@value #MAX_LENGTH} characters, so a caller cannot fill the limiter's memory with long values.
 * Whoever reaches the port directly can send any value: see docs/OPERATIONS.md, "Rate limits".
 */
final class ClientIdentity {

    static final int MAX_LENGTH = 128;

    private final String header;
    private final boolean trustForwardedFor;

    ClientIdentity(String header, boolean trustForwardedFor) {
        this.header = header == null || header.isBlank() ? null : header.strip();
        this.trustForwardedFor = trustForwardedFor;
    }

    String of(HttpServletRequest request) {
        if (header != null) {
            String value = request.getHeader(header);
            if (value != null && !value.isBlank()) {
                String id = value.strip();
                return header + "=" + (id.length() > MAX_LENGTH ? id.substring(0, MAX_LENGTH) : id);
            }
        }
        return ClientAddress.of(request, trustForwardedFor);
    }
}
