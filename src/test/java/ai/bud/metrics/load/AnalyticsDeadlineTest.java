package ai.bud.metrics.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * One deadline per analytics request (SPEC §6b): with {@code ANALYTICS_DEADLINE_SECONDS} at 1 s and a request that would
 * run for hours (its table is an endless view), the engine query is gone before 2 s and the answer is a 504 in the SPEC §5
 * envelope. What the engine runs is read from its own process list, every 20 ms, while the request is in flight.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "budmetrics.clickhouse.database=under_load_deadline",
        "budmetrics.analytics.deadline=1s",
        "budmetrics.redis.ingest-enabled=false"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsDeadlineTest {

    private static final String DATABASE = "under_load_deadline";

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    void endlessDetails() throws Exception {
        EngineLoad.replaceDetailsWithEndlessView(dataSource);
    }

    @AfterAll
    void restore() throws Exception {
        EngineLoad.restoreDetails(dataSource);
    }

    @Test
    void aRequestSlowerThanItsDeadlineIs504AndItsEngineQueryEndsBeforeTwoSeconds() throws Exception {
        double exceededBefore = meters.counter("budmetrics.analytics.deadlines.exceeded").count();
        AtomicLong longestMillis = new AtomicLong(-1);
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return EngineLoad.postAnalytics(port, EngineLoad.ENDLESS_DAY_REQUEST);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // the engine's view while the request runs, and for a second after its answer
        long watchUntil = Long.MAX_VALUE;
        boolean seen = false;
        while (System.nanoTime() < watchUntil) {
            for (double elapsed : EngineLoad.runningAnalytics(dataSource, DATABASE)) {
                seen = true;
                longestMillis.accumulateAndGet((long) (elapsed * 1000), Math::max);
            }
            if (answer.isDone() && watchUntil == Long.MAX_VALUE) {
                watchUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
            assertThat(System.nanoTime() - started).as("no answer after 10 s").isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(20);
        }

        HttpResponse<String> response = answer.get();
        assertThat(seen).as("the engine ran the request's query").isTrue();
        assertThat(longestMillis.get()).as("longest engine run of the query, ms").isLessThan(2000);
        assertThat(EngineLoad.runningAnalytics(dataSource, DATABASE)).as("queries left behind").isEmpty();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        JsonNode envelope = new ObjectMapper().readTree(response.body());
        assertThat(envelope.path("object").asText()).isEqualTo("error");
        assertThat(envelope.path("code").asInt()).isEqualTo(504);
        assertThat(envelope.path("message").asText()).contains("deadline").doesNotContain("DB::Exception");
        assertThat(meters.counter("budmetrics.analytics.deadlines.exceeded").count()).isEqualTo(exceededBefore + 1);
    }
}
