package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code ROUTES_RELOAD=true}: the application runs on a copy of routes/, and a route file edited while it runs is
 * reloaded from the folder the routes were loaded from (the include pattern's, {@code BUDMETRICS_ROUTES}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=routes_reload",
        "camel.main.routes-reload-enabled=true"})
class RoutesReloadTest {

    static final EditedRoutes ROUTES = EditedRoutes.copy();
    /** A liveness bound for the file watcher, not a speed claim: Camel's watcher notices a change within seconds. */
    static final Duration RELOADED_WITHIN = Duration.ofSeconds(60);

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    Environment environment;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theReloadWatchesTheFolderTheRoutesCameFrom() {
        assertThat(environment.getProperty("camel.main.routes-reload-directory")).isEqualTo(ROUTES.dir().toAbsolutePath().toString());
    }

    @Test
    void aRouteFileEditedWhileTheServiceRunsIsReloaded() throws Exception {
        assertThat(get("/ping").body()).isEqualTo("{\"status\":\"ok\"}");

        ROUTES.replace("health.camel.yaml", "constant: '{\"status\":\"ok\"}'", "constant: '{\"status\":\"reloaded\"}'");

        Instant deadline = Instant.now().plus(RELOADED_WITHIN);
        HttpResponse<String> ping = get("/ping");
        while (!ping.body().contains("reloaded") && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            ping = get("/ping");
        }
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("{\"status\":\"reloaded\"}");
        // the other route of the file came back with it, and the routes of the other files were left alone
        assertThat(get("/health").statusCode()).isEqualTo(200);
        HttpResponse<String> invalid = http.send(HttpRequest.newBuilder(uri("/observability/analytics"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"metrics\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(invalid.statusCode()).isEqualTo(422);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
