package ai.bud.metrics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.bench.ChaosLedger.Expect;
import ai.bud.metrics.bench.ChaosLedger.Item;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The HTTP sender over several instances: a sender whose instance does not answer moves to the next one. */
class ChaosHttpSenderTest {

    @Test
    void aSenderWhoseInstanceIsGoneDeliversThroughTheNextOne() throws Exception {
        int gone;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            gone = socket.getLocalPort(); // closed again: connections to it are refused
        }
        Set<String> received = ConcurrentHashMap.newKeySet();
        HttpServer live = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        live.createContext(ChaosHttpSender.ADD, exchange -> {
            JsonNode bulk = ChaosEvents.MAPPER.readTree(exchange.getRequestBody());
            List<Map<String, String>> statuses = new ArrayList<>();
            for (JsonNode entry : bulk.path("entries")) {
                received.add(entry.path("entryId").asText());
                statuses.add(Map.of("entryId", entry.path("entryId").asText(), "status", "SUCCESS"));
            }
            byte[] body = ChaosEvents.json(Map.of("statuses", statuses));
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        live.start();
        try {
            List<Map<String, Object>> events = ChaosEvents.events(UUID.randomUUID(), 40, 5, System.currentTimeMillis(), 0);
            // sender 0 starts on the gone instance, sender 1 on the live one
            ChaosHttpSender sender = new ChaosHttpSender(new ChaosHttpSender.Settings(
                    List.of(URI.create("http://127.0.0.1:" + gone), URI.create("http://127.0.0.1:" + live.getAddress().getPort())),
                    events, 10, 2, Duration.ZERO, Duration.ofSeconds(30), Duration.ofMillis(10), Duration.ofMillis(50), Expect.STORED, "x"));

            List<Item> items = sender.run();

            assertThat(items).hasSize(40).allSatisfy(item -> assertThat(item.ack()).isEqualTo("SUCCESS"));
            assertThat(received).hasSize(40);
            assertThat(sender.answers()).contains("no answer (connection refused) ×1").contains("moved to another instance ×1")
                    .contains("HTTP 200 ×4");
        } finally {
            live.stop(0);
        }
    }

    @Test
    void withOneInstanceTheSenderStaysOnIt() throws IOException, InterruptedException {
        int gone;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            gone = socket.getLocalPort();
        }
        List<Map<String, Object>> events = ChaosEvents.events(UUID.randomUUID(), 10, 5, System.currentTimeMillis(), 0);
        ChaosHttpSender sender = new ChaosHttpSender(new ChaosHttpSender.Settings(List.of(URI.create("http://127.0.0.1:" + gone)), events,
                10, 1, Duration.ZERO, Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(50), Expect.STORED, "x"));

        List<Item> items = sender.run();

        assertThat(items).allSatisfy(item -> assertThat(item.acknowledged()).isFalse());
        assertThat(sender.answers()).contains("no answer (connection refused)").contains("bulks given up ×1")
                .doesNotContain("moved to another instance");
    }
}
