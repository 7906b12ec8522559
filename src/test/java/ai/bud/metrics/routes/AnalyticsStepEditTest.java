package ai.bud.metrics.routes;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.errors.ErrorEnvelope;
import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Edit 4 of issue 12, in YAML alone: the analytics route gets an auth check on a header (403 in SPEC section 5's
 * envelope when it is missing, before the body is even read), a header on the answer and a transformation of the
 * answer (wrapped in an object naming the team). docs/DEVELOPMENT.md, "Editing routes", shows the same YAML.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "budmetrics.clickhouse.database=edit_analytics_step")
class AnalyticsStepEditTest {

    static final String AUTH_CHECK = """
            # edit: callers must name their team
            - filter:
                id: team-key-check
                simple: "${header.X-Team-Key} == null"
                steps:
                  - removeHeaders:
                      id: team-key-drop-headers
                      pattern: "*"
                  - setHeader:
                      id: team-key-status
                      name: CamelHttpResponseCode
                      constant: 403
                  - setHeader:
                      id: team-key-content-type
                      name: Content-Type
                      constant: application/json
                  - setBody:
                      id: team-key-error
                      constant: '{"object":"error","code":403,"type":"ForbiddenError","message":"X-Team-Key is required","param":{"errors":[{"field":"X-Team-Key","message":"is required"}],"total_errors":1}}'
                  - stop:
                      id: team-key-stop
            """;

    static final String ANSWER_EDITS = """
            # edit: the answer wrapped in an object naming the team, and a header saying so
            - setBody:
                id: wrap-answer
                simple: '{"team":"analytics","answer":${bodyAs(String)}}'
            - setHeader:
                id: team-header
                name: X-Team
                constant: analytics
            """;

    static final EditedRoutes ROUTES = EditedRoutes.copy()
            .replace("analytics.camel.yaml", "        - bean:\n            id: parse-request\n",
                    AUTH_CHECK.indent(8) + "        - bean:\n            id: parse-request\n")
            .replace("analytics.camel.yaml", "        - bean:\n            id: answer-headers\n",
                    ANSWER_EDITS.indent(8) + "        - bean:\n            id: answer-headers\n");

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("camel.main.routes-include-pattern", ROUTES::includePattern);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private AnalyticsCalls calls;

    @BeforeEach
    void events() throws Exception {
        calls = new AnalyticsCalls(port, dataSource);
        calls.insertEvents(300, 41);
    }

    @Test
    void withoutTheHeaderTheAnswerIs403InTheErrorEnvelopeBeforeTheBodyIsRead() throws Exception {
        String expected = AnalyticsCalls.MAPPER.writeValueAsString(
                ErrorEnvelope.of(403, "X-Team-Key is required", List.of(new FieldError("X-Team-Key", "is required"))));

        HttpResponse<String> valid = calls.post(calls.request());
        HttpResponse<String> invalid = calls.post("{\"metrics\":[\"nope\"]}");

        for (HttpResponse<String> refused : List.of(valid, invalid)) {
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            assertThat(AnalyticsCalls.MAPPER.readTree(refused.body())).isEqualTo(AnalyticsCalls.MAPPER.readTree(expected));
            assertThat(refused.headers().firstValue("X-Cache")).isEmpty();
        }
    }

    @Test
    void withTheHeaderTheAnswerIsWrappedAndCarriesTheNewHeader() throws Exception {
        HttpResponse<String> answer = calls.post(calls.request(), "X-Team-Key", "k1");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Team")).contains("analytics");
        assertThat(answer.headers().firstValue("X-Cache")).contains("MISS");
        // the framework still times the route: the edit added untimed steps only
        assertThat(answer.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v).startsWith("parse;dur="));
        JsonNode wrapped = AnalyticsCalls.MAPPER.readTree(answer.body());
        assertThat(wrapped.path("team").asText()).isEqualTo("analytics");
        assertThat(wrapped.path("answer").path("object").asText()).isEqualTo("observability_metrics");
        assertThat(AnalyticsCalls.totalCount(wrapped.path("answer"))).isEqualTo(calls.expectedCount()).isPositive();
        // the request headers are not echoed back (the shipped route drops them; the edit keeps that)
        assertThat(answer.headers().firstValue("X-Team-Key")).isEmpty();
    }
}
