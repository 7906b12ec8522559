package ai.bud.metrics.seed;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.seed.GeneratedInference.ModelCall;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RowEncoderTest {

    private static final UUID ID = UUID.fromString("11111111-2222-4333-8444-555555555555");
    private static final UUID P = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000001");
    private static final UUID E = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000002");
    private static final UUID M = UUID.fromString("aaaaaaaa-0000-4000-8000-000000000003");
    // 2024-02-29T23:59:58.007Z
    private static final long ARRIVAL = 1_709_251_198_007L;

    private static GeneratedInference inference(boolean success, String ip, Map<String, Object> analysis, ModelCall call) {
        return new GeneratedInference(ID, ip, P, E, M, success ? 0.0125 : null, analysis, success, ARRIVAL, ARRIVAL + 45,
                success ? "key-1" : null, null, null, success ? null : "upstream_timeout", success ? null : "took\ttoo\nlong \\ sorry",
                success ? null : "TimeoutError", success ? 200 : 504, call);
    }

    @Test
    void tabSeparatedDetailsEscapeTextAndWriteNullsAsBackslashN() {
        Map<String, Object> analysis = new LinkedHashMap<>();
        analysis.put("sentiment", "say \"hi\"");
        analysis.put("topics", List.of("a", "b"));
        analysis.put("score", 0.5);
        String ok = new String(RowEncoder.detailsTsv(List.of(inference(true, "10.0.0.7", analysis, null))), StandardCharsets.UTF_8);
        assertThat(ok).isEqualTo(String.join("\t", ID.toString(), "::ffff:10.0.0.7", P.toString(), E.toString(), M.toString(), "0.0125",
                "{\"sentiment\":\"say \\\\\"hi\\\\\"\",\"topics\":[\"a\",\"b\"],\"score\":0.5}", "true",
                "2024-02-29 23:59:58.007", "2024-02-29 23:59:58.052", "key-1", "\\N", "\\N", "\\N", "\\N", "\\N", "200") + "\n");

        String failed = new String(RowEncoder.detailsTsv(List.of(inference(false, "2001:db8::5", null, null))), StandardCharsets.UTF_8);
        String[] fields = failed.stripTrailing().split("\t", -1);
        assertThat(fields).hasSize(17);
        assertThat(fields[1]).isEqualTo("2001:db8::5");
        assertThat(fields[5]).isEqualTo("\\N");
        assertThat(fields[6]).isEqualTo("\\N");
        assertThat(fields[14]).isEqualTo("took\\ttoo\\nlong \\\\ sorry");
        assertThat(fields[16]).isEqualTo("504");
    }

    @Test
    void modelInferenceRowsOnlyForInferencesWithACall() {
        UUID callId = Uuids.v7(ARRIVAL, new java.util.SplittableRandom(3));
        ModelCall call = new ModelCall(callId, "{\"a\":1}", "{}", "gpt-4o", "openai", 12, null, 300, 120, null, "[]", "hi", true, "stop");
        String rows = new String(RowEncoder.modelInferenceTsv(List.of(inference(true, null, null, call), inference(false, null, null, null))),
                StandardCharsets.UTF_8);
        assertThat(rows).isEqualTo(String.join("\t", callId.toString(), ID.toString(), "{\"a\":1}", "{}", "gpt-4o", "openai", "12", "\\N",
                "300", "120", "\\N", "[]", "hi", "true", "stop") + "\n");
    }

    @Test
    void daprBulkEnvelopeFollowsSpecSectionThree() throws IOException {
        JsonNode envelope = new ObjectMapper().readTree(RowEncoder.daprBulkEnvelope("env-1",
                List.of(inference(true, "10.0.0.7", Map.of("language", "en"), null), inference(false, null, null, null))));
        assertThat(envelope.path("id").asText()).isEqualTo("env-1");
        assertThat(envelope.path("pubsubname").asText()).isEqualTo("pubsub");
        assertThat(envelope.path("topic").asText()).isEqualTo("budMetricsMessages");
        assertThat(envelope.path("type").asText()).isNotBlank();
        assertThat(envelope.path("entries")).hasSize(2);
        JsonNode first = envelope.path("entries").get(0);
        assertThat(first.path("entryId").asText()).isEqualTo(ID.toString());
        assertThat(first.path("contentType").asText()).isEqualTo("application/json");
        JsonNode event = first.path("event");
        assertThat(event.path("inference_id").asText()).isEqualTo(ID.toString());
        assertThat(event.path("project_id").asText()).isEqualTo(P.toString());
        assertThat(event.path("is_success").asBoolean()).isTrue();
        assertThat(event.path("request_arrival_time").asText()).isEqualTo("2024-02-29T23:59:58.007");
        assertThat(event.path("request_forward_time").asText()).isEqualTo("2024-02-29T23:59:58.052");
        assertThat(event.path("cost").asDouble()).isEqualTo(0.0125);
        assertThat(event.path("request_ip").asText()).isEqualTo("10.0.0.7");
        assertThat(event.path("response_analysis").path("language").asText()).isEqualTo("en");
        JsonNode second = envelope.path("entries").get(1).path("event");
        assertThat(second.has("cost")).isFalse();
        assertThat(second.has("request_ip")).isFalse();
        assertThat(second.path("status_code").asInt()).isEqualTo(504);
        assertThat(second.path("error_message").asText()).isEqualTo("took\ttoo\nlong \\ sorry");
    }
}
