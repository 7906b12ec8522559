package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.ContentCodings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;

/** The route-side compression: the negotiated coding, the size floor, and the compressed forms kept per body. */
class BodyCompressionTest {

    private final BodyCompression compression = new BodyCompression(
            new Compressors(4, 3, 6, List.of(ContentCoding.BR, ContentCoding.ZSTD, ContentCoding.GZIP)), 1024);
    private final DefaultCamelContext camel = new DefaultCamelContext();

    private Exchange request(String acceptEncoding, byte[] body, MockHttpServletResponse response) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("Accept-Encoding", acceptEncoding);
        exchange.getMessage().setHeader(Exchange.HTTP_SERVLET_RESPONSE, response);
        compression.remember(exchange);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setBody(body);
        return exchange;
    }

    private static byte[] answer(int size, int seed) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; text.length() < size; i++) {
            text.append("{\"time_period\":\"2024-01-").append(i % 28 + 1).append("\",\"count\":").append(i * seed % 977).append('}');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void compressesWhatTheClientRanksBestAboveTheFloorAndSaysSo() throws Exception {
        byte[] body = answer(5000, 3);
        for (String[] ask : new String[][] {{"br", "br"}, {"zstd;q=1, br;q=0.5", "zstd"}, {"gzip", "gzip"}}) {
            MockHttpServletResponse response = new MockHttpServletResponse();
            Exchange exchange = request(ask[0], body, response);
            compression.compress(exchange);
            assertThat(response.getHeader("Content-Encoding")).isEqualTo(ask[1]);
            assertThat(response.getHeaders("Vary")).contains("Accept-Encoding");
            assertThat(ContentCodings.decode(ask[1], exchange.getMessage().getBody(byte[].class))).isEqualTo(body);
        }
        for (Object[] plain : new Object[][] {{"identity", body}, {null, body}, {"br", answer(900, 3)}}) {
            MockHttpServletResponse response = new MockHttpServletResponse();
            byte[] original = (byte[]) plain[1];
            Exchange exchange = request((String) plain[0], original, response);
            compression.compress(exchange);
            assertThat(response.getHeader("Content-Encoding")).isNull();
            assertThat(response.getHeaders("Vary")).contains("Accept-Encoding");
            assertThat(exchange.getMessage().getBody(byte[].class)).isSameAs(original);
        }
    }

    @Test
    void keepsTheCompressedFormOfABodyWhileThatBodyIsInUse() throws Exception {
        byte[] cached = answer(BodyCompression.KEEP_FROM + 10_000, 7);
        Exchange first = request("br", cached, new MockHttpServletResponse());
        compression.compress(first);
        Exchange hit = request("br", cached, new MockHttpServletResponse());
        compression.compress(hit);
        // the same body array (a cache hit): its compressed form is handed out again, not recomputed
        assertThat(hit.getMessage().getBody(byte[].class)).isSameAs(first.getMessage().getBody(byte[].class));

        Exchange recomputed = request("br", cached.clone(), new MockHttpServletResponse());
        compression.compress(recomputed);
        // an equal body in another array (a fresh answer): compressed anew, to the same bytes
        assertThat(recomputed.getMessage().getBody(byte[].class)).isNotSameAs(first.getMessage().getBody(byte[].class))
                .isEqualTo(first.getMessage().getBody(byte[].class));

        Exchange otherCoding = request("zstd", cached, new MockHttpServletResponse());
        compression.compress(otherCoding);
        assertThat(ContentCodings.decode("zstd", otherCoding.getMessage().getBody(byte[].class))).isEqualTo(cached);
    }

    @Test
    void doesNothingWhenCompressionIsOff() throws Exception {
        BodyCompression off = new BodyCompression(null, 1024);
        MockHttpServletResponse response = new MockHttpServletResponse();
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("Accept-Encoding", "br");
        exchange.getMessage().setHeader(Exchange.HTTP_SERVLET_RESPONSE, response);
        off.remember(exchange);
        byte[] body = answer(5000, 1);
        exchange.getMessage().setBody(body);
        off.compress(exchange);
        assertThat(response.getHeader("Content-Encoding")).isNull();
        assertThat(response.getHeaderNames()).doesNotContain("Vary");
        assertThat(exchange.getMessage().getBody(byte[].class)).isSameAs(body);
    }
}
