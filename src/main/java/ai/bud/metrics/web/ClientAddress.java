package ai.bud.metrics.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who a request counts against: the first hop of {@code X-Forwarded-For} (the original client, as a proxy
 * chain records it) when the deployment trusts its proxies, else the socket's remote address.
 */
final class ClientAddress {

    private ClientAddress() {
    }

    static String of(HttpServletRequest request, boolean trustForwardedFor) {
        if (trustForwardedFor) {
            String forwarded = request.getHeader("X-Forwarded-For");
            if (forwarded != null) {
                String first = forwarded.split(",", 2)[0].trim();
                if (!first.isEmpty() && !first.equalsIgnoreCase("unknown")) {
                    return first;
                }
            }
        }
        return request.getRemoteAddr();
    }
}
