package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=ingest_smoke_test", "budmetrics.redis.ingest-enabled=false"})
class IngestHttpSmokeTest {

    @LocalServerPort
    int port;

    @Test
    void bulk() throws Exception {
        TestEvents events = new TestEvents(1);
        var body = TestEvents.bulk(List.of(events.event(), events.event()), true);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observability/add"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("REPLY " + response.statusCode() + " " + response.body());
        assertThat(response.statusCode()).isEqualTo(200);
    }
}
