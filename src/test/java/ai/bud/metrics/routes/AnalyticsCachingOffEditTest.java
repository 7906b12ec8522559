package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Edit 5 of issue 12, in YAML alone: caching turned off for the analytics flow by deleting its lookup and store steps.
 * Every answer is then computed: a repeated request sees the rows inserted in between (with the shipped routes it
 * gets the cached answer, {@link AnalyticsCacheTierEditTest}). docs/DEVELOPMENT.md, "Editing routes", shows the edit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "budmetrics.clickhouse.database=edit_cache_off")
class AnalyticsCachingOffEditTest {

    static final String LOOKUP = """
            - filter:
                id: cache-lookup
                simple: "${exchangeProperty.cacheControl} !~~ 'no-cache'"
                steps:
                  - setHeader:
                      id: cache-get-action
                      name: CamelCaffeineAction
                      constant: GET
                  - setHeader:
                      id: cache-get-key
                      name: CamelCaffeineKey
                      simple: "${exchangeProperty.analyticsCacheKey}"
                  - toD:
                      id: cache-get
                      uri: "caffeine-cache:${exchangeProperty.analyticsCache}"
            """;

    static final String STORE = """
            - setHeader:
                id: cache-put-action
                name: CamelCaffeineAction
                constant: PUT
            - setHeader:
                id: cache-put-key
                name: CamelCaffeineKey
                simple: "${exchangeProperty.analyticsCacheKey}"
            - toD:
                id: cache-store
                uri: "caffeine-cache:${exchangeProperty.analyticsCache}"
            """;

    static final EditedRoutes ROUTES = EditedRoutes.copy()
            .replace("analytics.camel.yaml", LOOKUP.indent(8), "")
            .replace("analytics.camel.yaml", STORE.indent(16), "");

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Test
    void aRepeatedRequestIsComputedAgainAndSeesTheNewRows() throws Exception {
        AnalyticsCalls calls = new AnalyticsCalls(port, dataSource);
        calls.insertEvents(200, 51);
        long before = calls.expectedCount();

        HttpResponse<String> first = calls.post(calls.request());
        calls.insertEvents(150, 52);
        HttpResponse<String> second = calls.post(calls.request());

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Cache")).contains("MISS");
        assertThat(second.headers().firstValue("X-Cache")).contains("MISS");
        assertThat(AnalyticsCalls.totalCount(first.body())).isEqualTo(before).isPositive();
        assertThat(AnalyticsCalls.totalCount(second.body())).isEqualTo(calls.expectedCount()).isGreaterThan(before);
        // no cache step left to time: the miss shows no cache metric
        assertThat(second.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v)
                .matches("parse;dur=\\S+, source;desc=(rollup|raw|mixed), build;dur=\\S+, wait;dur=\\S+, execute;dur=\\S+, shape;dur=\\S+, serialize;dur=\\S+, compress;dur=\\S+"));
    }
}
