package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Edit 5 of issue 12, in YAML alone: the cache tier changed, so that answers over a past range are kept in the live
 * tier (short TTL, here 2 s) instead of the history tier (10 min). A repeated request is still served from the cache
 * (the stale answer, without the rows inserted in between), and once the live TTL has passed it is computed again and
 * sees them. With the shipped routes it would stay cached for 10 minutes. docs/DEVELOPMENT.md shows the edit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=edit_cache_tier",
        "budmetrics.analytics.cache.live-ttl-seconds=2"})
class AnalyticsCacheTierEditTest {

    static final Duration LIVE_TTL = Duration.ofSeconds(2);

    static final EditedRoutes ROUTES = EditedRoutes.copy()
            .replace("analytics.camel.yaml", "constant: analytics-history", "constant: analytics-live");

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    @Qualifier("analytics-live")
    Cache<Object, Object> live;

    @Autowired
    @Qualifier("analytics-history")
    Cache<Object, Object> history;

    @Test
    void aPastRangeIsCachedInTheLiveTierAndRecomputedAfterItsTtl() throws Exception {
        AnalyticsCalls calls = new AnalyticsCalls(port, dataSource);
        calls.insertEvents(200, 61);
        long before = calls.expectedCount();

        HttpResponse<String> first = calls.post(calls.request());
        calls.insertEvents(150, 62);
        HttpResponse<String> cached = calls.post(calls.request());

        assertThat(first.headers().firstValue("X-Cache")).contains("MISS");
        assertThat(AnalyticsCalls.totalCount(first.body())).isEqualTo(before).isPositive();
        assertThat(cached.headers().firstValue("X-Cache")).contains("HIT");
        assertThat(AnalyticsCalls.totalCount(cached.body())).as("the cached, stale answer").isEqualTo(before);
        // the answer is in the live tier, the history tier got nothing
        assertThat(live.asMap()).hasSize(1);
        assertThat(history.asMap()).isEmpty();

        Thread.sleep(LIVE_TTL.plusMillis(500).toMillis());
        HttpResponse<String> recomputed = calls.post(calls.request());

        assertThat(recomputed.headers().firstValue("X-Cache")).contains("MISS");
        assertThat(AnalyticsCalls.totalCount(recomputed.body())).isEqualTo(calls.expectedCount()).isGreaterThan(before);
    }
}
