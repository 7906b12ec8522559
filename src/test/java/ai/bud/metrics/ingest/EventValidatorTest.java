package ai.bud.metrics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.errors.FieldError;
import ai.bud.metrics.ingest.store.InferenceEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC section 3's field rules, one test per rule with accepted and rejected values. */
class EventValidatorTest {

    private final EventValidator validator = new EventValidator();
    private final TestEvents events = new TestEvents(7);

    private ObjectNode base() {
        ObjectNode event = events.event();
        event.put("request_arrival_time", "2026-03-01T10:00:00.000Z");
        event.put("request_forward_time", "2026-03-01T10:00:00.250Z");
        return event;
    }

    private static FieldError onlyError(Runnable call) {
        try {
            call.run();
        } catch (InvalidEventException e) {
            assertThat(e.errors()).hasSize(1);
            return e.errors().get(0);
        }
        throw new AssertionError("expected the event to be rejected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"inference_id", "project_id", "endpoint_id", "model_id"})
    void uuidFieldsAreRequiredUuids(String field) {
        ObjectNode event = base();
        UUID id = UUID.randomUUID();
        event.put(field, id.toString().toUpperCase());
        InferenceEvent accepted = validator.validate(event);
        assertThat(java.util.List.of(accepted.inferenceId(), accepted.projectId(), accepted.endpointId(), accepted.modelId())).contains(id);

        event.remove(field);
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError(field, "is required"));
        for (String bad : new String[] {"not-a-uuid", "1-1-1-1-1", "123e4567e89b12d3a456426614174000", ""}) {
            event.put(field, bad);
            assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo(field);
        }
        event.put(field, 42);
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError(field, "must be a UUID"));
    }

    @Test
    void isSuccessIsARequiredBoolean() {
        ObjectNode event = base();
        event.put("is_success", false);
        assertThat(validator.validate(event).isSuccess()).isFalse();
        event.put("is_success", true);
        assertThat(validator.validate(event).isSuccess()).isTrue();
        event.put("is_success", "true");
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("is_success", "must be true or false"));
        event.put("is_success", 1);
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("is_success");
        event.remove("is_success");
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("is_success", "is required"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2026-03-01T10:00:00Z              | 2026-03-01T10:00:00",
            "2026-03-01 10:00:00               | 2026-03-01T10:00:00",
            "2026-03-01T10:00:00.1             | 2026-03-01T10:00:00.100",
            "2026-03-01T10:00:00.12            | 2026-03-01T10:00:00.120",
            "2026-03-01T10:00:00.123456789     | 2026-03-01T10:00:00.123",
            "2026-03-01 10:00:00.999999        | 2026-03-01T10:00:00.999",
            "2026-03-01T12:00:00.5+02:00       | 2026-03-01T10:00:00.500",
            "2026-03-01T05:30:00-0430          | 2026-03-01T10:00:00",
            "2026-03-01T15:00:00+05            | 2026-03-01T10:00:00",
            "2026-03-01T10:00                  | 2026-03-01T10:00:00",
            "2026-03-01t10:00:00z              | 2026-03-01T10:00:00"})
    void timesAcceptIsoWithTOrSpaceAnyFractionAndOffset(String text, String utc) {
        ObjectNode event = base();
        event.put("request_arrival_time", text);
        event.put("request_forward_time", "2026-03-02T00:00:00Z");
        assertThat(validator.validate(event).requestArrivalTime()).isEqualTo(LocalDateTime.parse(utc));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-03-01T25:00:00Z", "2026-03-01",
            "2026-03-01T10:00:00+25:00", "1800-01-01T00:00:00Z", "2026-03-01T10:00:00.Z", ""})
    void timesRejectWhatIsNotAnIsoDateTime(String text) {
        ObjectNode event = base();
        event.put("request_arrival_time", text);
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("request_arrival_time");
    }

    @Test
    void timesAreRequiredStrings() {
        ObjectNode event = base();
        event.remove("request_forward_time");
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("request_forward_time", "is required"));
        event.put("request_forward_time", 1767225600);
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("request_forward_time");
    }

    @Test
    void forwardMustNotBeBeforeArrival() {
        ObjectNode event = base();
        event.put("request_forward_time", "2026-03-01T10:00:00.000Z");
        assertThat(validator.validate(event).requestForwardTime()).isEqualTo(validator.validate(event).requestArrivalTime());
        event.put("request_forward_time", "2026-03-01T09:59:59.999Z");
        assertThat(onlyError(() -> validator.validate(event)))
                .isEqualTo(new FieldError("request_forward_time", "must not be before request_arrival_time"));
        // compared as instants: 11:00+02:00 is 09:00Z, before the arrival
        event.put("request_forward_time", "2026-03-01T11:00:00+02:00");
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("request_forward_time");
    }

    @Test
    void costIsAnOptionalNumberNotBelowZero() {
        ObjectNode event = base();
        event.put("cost", 0);
        assertThat(validator.validate(event).cost()).isEqualTo(0.0);
        event.put("cost", 12.5);
        assertThat(validator.validate(event).cost()).isEqualTo(12.5);
        event.remove("cost");
        assertThat(validator.validate(event).cost()).isNull();
        event.putNull("cost");
        assertThat(validator.validate(event).cost()).isNull();
        event.put("cost", -0.01);
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("cost", "must be >= 0"));
        event.put("cost", "1.5");
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("cost", "must be a number"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10.0.0.1            | ::ffff:10.0.0.1",
            "255.255.255.255     | ::ffff:255.255.255.255",
            "::1                 | 0:0:0:0:0:0:0:1",
            "2001:db8::8a2e:370:7334 | 2001:db8:0:0:0:8a2e:370:7334",
            "[2001:db8::1]       | 2001:db8:0:0:0:0:0:1",
            "::ffff:192.168.1.9  | ::ffff:192.168.1.9"})
    void requestIpAcceptsIpv4AndIpv6(String text, String stored) {
        ObjectNode event = base();
        event.put("request_ip", text);
        assertThat(validator.validate(event).requestIp()).isEqualTo(stored);
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.0.0.1", "10.0.0", "example.com", "localhost", "1.2.3.4.5", "2001:db8:::1", "fe80::1%eth0", "12345::"})
    void requestIpRejectsWhatIsNotAnAddress(String text) {
        ObjectNode event = base();
        event.put("request_ip", text);
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("request_ip");
    }

    @Test
    void requestIpIsOptional() {
        ObjectNode event = base();
        event.remove("request_ip");
        assertThat(validator.validate(event).requestIp()).isNull();
        event.putNull("request_ip");
        assertThat(validator.validate(event).requestIp()).isNull();
        event.put("request_ip", 167772161);
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("request_ip");
    }

    @Test
    void responseAnalysisIsAnOptionalObject() {
        ObjectNode event = base();
        event.putObject("response_analysis").put("a", 1).putArray("tags").add("x");
        assertThat(validator.validate(event).responseAnalysis()).isEqualTo("{\"a\":1,\"tags\":[\"x\"]}");
        event.remove("response_analysis");
        assertThat(validator.validate(event).responseAnalysis()).isNull();
        event.putArray("response_analysis").add(1);
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("response_analysis", "must be a JSON object"));
        event.put("response_analysis", "{\"a\":1}");
        assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("response_analysis");
    }

    @Test
    void gatewayTextFieldsAreStoredWhenPresent() {
        ObjectNode event = base();
        event.put("api_key_id", "key-1").put("user_id", "user-1").put("api_key_project_id", "proj-1").put("error_code", 429)
                .put("error_message", "rate limited").put("error_type", "rate_limit");
        InferenceEvent accepted = validator.validate(event);
        assertThat(java.util.List.of(accepted.apiKeyId(), accepted.userId(), accepted.apiKeyProjectId(), accepted.errorCode(),
                accepted.errorMessage(), accepted.errorType())).containsExactly("key-1", "user-1", "proj-1", "429", "rate limited", "rate_limit");
        event.putObject("error_message").put("nested", true);
        assertThat(onlyError(() -> validator.validate(event))).isEqualTo(new FieldError("error_message", "must be a string"));
    }

    @Test
    void statusCodeIsAnOptionalHttpStatusNumber() {
        ObjectNode event = base();
        event.put("status_code", 503);
        assertThat(validator.validate(event).statusCode()).isEqualTo(503);
        event.put("status_code", "200");
        assertThat(validator.validate(event).statusCode()).isEqualTo(200);
        event.remove("status_code");
        assertThat(validator.validate(event).statusCode()).isNull();
        for (Object bad : new Object[] {70000, -1, 2.5, "abc"}) {
            event.set("status_code", TestEvents.MAPPER.valueToTree(bad));
            assertThat(onlyError(() -> validator.validate(event)).field()).isEqualTo("status_code");
        }
    }

    /** The fields named for response_analysis values ClickHouse's JSON type would refuse (none: accepted). */
    private java.util.List<String> analysisErrors(String json) {
        ObjectNode event = base();
        try {
            event.set("response_analysis", TestEvents.MAPPER.readTree(json));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            assertThat(validator.validate(event).responseAnalysis()).isNotNull();
            return java.util.List.of();
        } catch (InvalidEventException e) {
            return e.errors().stream().map(FieldError::field).toList();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"a.b\":1,\"a\":{\"b\":2}}                  | response_analysis.a.b",
        "{\"a\":{\"b\":2},\"a.b\":1}                  | response_analysis.a.b",
        "{\"a\":{\"b.c\":1},\"a.b\":{\"c\":2}}      | response_analysis.a.b.c",
        "{\"a.b\":[],\"a\":{\"b\":1}}                 | response_analysis.a.b",
        "{\"x\":[{\"b.c\":1,\"b\":{\"c\":2}}]}      | response_analysis.x[0].b.c",
        "{\"x\":[[{\"b.c\":1,\"b\":{\"c\":2}}]]}    | response_analysis.x[0][0].b.c",
        "{\"n\":10000000000000000000000000000000000000000} | response_analysis.n",
        "{\"n\":18446744073709551616}                     | response_analysis.n",
        "{\"n\":-9223372036854775809}                     | response_analysis.n",
        "{\"x\":{\"y\":[1,-9223372036854775809]}}        | response_analysis.x.y[1]",
        "{\"n\":1e400}                                    | response_analysis.n",
        "{\"x\":[{\"n\":-1e400}]}                        | response_analysis.x[0].n",
        "{\".a\":1,\"\":{\"a\":2}}                      | response_analysis..a"})
    void responseAnalysisThatClickHouseWouldRefuseIsRejectedNamingThePath(String json, String field) {
        assertThat(analysisErrors(json)).containsExactly(field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"a\":1,\"a.b\":2}", "{\"a\":{\"b\":1},\"a.b.c\":2}", "{\"a.b\":null,\"a\":{\"b\":1}}",
        "{\"a.b\":{},\"a\":{\"b\":1}}", "{\"a\":{\"b\":null},\"a.b\":1}", "{\"x\":[{\"y.z\":1},{\"y\":{\"z\":2}}]}",
        "{\"x\":[{\"b\":1,\"b.c\":2}]}", "{\"n\":18446744073709551615}", "{\"n\":-9223372036854775808}", "{\"n\":1e308}",
        "{\"n\":123456789012345678901234567890.5}", "{\"\":1,\"a.\":{\"\":2}}"})
    void responseAnalysisThatClickHouseStoresIsAccepted(String json) {
        assertThat(analysisErrors(json)).isEmpty();
    }

    @Test
    void aResponseAnalysisFullOfProblemsReportsAFewWithShortNames() {
        ObjectNode analysis = TestEvents.MAPPER.createObjectNode();
        String longKey = "k".repeat(5000);
        for (int i = 0; i < 50; i++) {
            analysis.put(longKey + i, new java.math.BigInteger("1" + "0".repeat(30)));
        }
        ObjectNode event = base();
        event.set("response_analysis", analysis);
        assertThatThrownBy(() -> validator.validate(event)).isInstanceOfSatisfying(InvalidEventException.class, e -> {
            assertThat(e.errors()).hasSize(5).allSatisfy(error -> assertThat(error.field()).startsWith("response_analysis.kkk").hasSizeLessThan(220));
            assertThat(e.getMessage().length()).isLessThan(2000);
        });
    }

    @Test
    void unknownFieldsAreIgnored() {
        ObjectNode event = base();
        event.put("model_name", "gpt").put("whatever", 1).putObject("nested").put("x", 2);
        assertThat(validator.validate(event).inferenceId()).isNotNull();
    }

    @Test
    void everyBrokenRuleIsReportedAtOnce() {
        ObjectNode event = base();
        event.put("inference_id", "x").put("cost", -1).put("request_ip", "nope");
        assertThatThrownBy(() -> validator.validate(event)).isInstanceOfSatisfying(InvalidEventException.class,
                e -> assertThat(e.errors()).extracting(FieldError::field).containsExactly("inference_id", "cost", "request_ip"));
    }

    @Test
    void anEventMustBeAnObject() {
        assertThat(onlyError(() -> validator.validate(TestEvents.MAPPER.createArrayNode())).field()).isEqualTo("event");
    }
}
