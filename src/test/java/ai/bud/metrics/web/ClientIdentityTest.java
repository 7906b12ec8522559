package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ClientIdentityTest {

    private static MockHttpServletRequest request(String appId) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setRemoteAddr("127.0.0.1");
        request.addHeader("X-Forwarded-For", "203.0.113.9");
        if (appId != null) {
            request.addHeader("dapr-caller-app-id", appId);
        }
        return request;
    }

    @Test
    void theIdentityHeaderNamesTheClient() {
        ClientIdentity identity = new ClientIdentity("dapr-caller-app-id", false);

        assertThat(identity.of(request("budadmin"))).isEqualTo("dapr-caller-app-id=budadmin");
        assertThat(identity.of(request(" budgateway "))).isEqualTo("dapr-caller-app-id=budgateway");
        assertThat(identity.of(request("budadmin"))).isNotEqualTo(identity.of(request("budgateway")));
    }

    @Test
    void withoutTheHeaderTheAddressIsTheClient() {
        assertThat(new ClientIdentity("dapr-caller-app-id", false).of(request(null))).isEqualTo("127.0.0.1");
        assertThat(new ClientIdentity("dapr-caller-app-id", false).of(request("  "))).isEqualTo("127.0.0.1");
        assertThat(new ClientIdentity("dapr-caller-app-id", true).of(request(null))).isEqualTo("203.0.113.9");
        // no header configured: the header a caller sends is ignored
        assertThat(new ClientIdentity("", false).of(request("budadmin"))).isEqualTo("127.0.0.1");
        assertThat(new ClientIdentity(null, false).of(request("budadmin"))).isEqualTo("127.0.0.1");
    }

    @Test
    void anIdentityCannotPassForAnAddressNorGrowWithoutBound() {
        ClientIdentity identity = new ClientIdentity("dapr-caller-app-id", false);

        assertThat(identity.of(request("127.0.0.1"))).isNotEqualTo(identity.of(request(null)));
        String huge = "x".repeat(10_000);
        assertThat(identity.of(request(huge))).hasSize("dapr-caller-app-id=".length() + ClientIdentity.MAX_LENGTH);
    }
}
