package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ClientAddressTest {

    private static MockHttpServletRequest request(String forwardedFor) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setRemoteAddr("10.1.2.3");
        if (forwardedFor != null) {
            request.addHeader("X-Forwarded-For", forwardedFor);
        }
        return request;
    }

    @Test
    void usesTheFirstForwardedHopWhenTrusted() {
        assertThat(ClientAddress.of(request("203.0.113.9, 10.0.0.1, 10.0.0.2"), true)).isEqualTo("203.0.113.9");
        assertThat(ClientAddress.of(request(" 2001:db8::1 "), true)).isEqualTo("2001:db8::1");
    }

    @Test
    void fallsBackToTheRemoteAddress() {
        assertThat(ClientAddress.of(request("203.0.113.9"), false)).isEqualTo("10.1.2.3");
        assertThat(ClientAddress.of(request(null), true)).isEqualTo("10.1.2.3");
        assertThat(ClientAddress.of(request(""), true)).isEqualTo("10.1.2.3");
        assertThat(ClientAddress.of(request("unknown, 10.0.0.1"), true)).isEqualTo("10.1.2.3");
    }
}
