package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.ErrorEnvelope;
import ai.bud.metrics.errors.FieldError;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The shared error rendering (SPEC section 5): at most 10 errors with their total, and no engine or Java text in any
 * answer — a 5xx carries an error id, and the log line with that id carries the exception.
 */
class ErrorResponsesTest {

    /** An engine refusal as clickhouse-jdbc reports it: code, text, the generated statement, a column list, a version. */
    static final String ENGINE_TEXT = "Code: 69. DB::Exception: A call to function range would produce 18446744073709524926 array "
            + "elements: In scope SELECT arrayJoin(range(toUInt64(dateDiff('day', range_from, range_to)))) AS bucket FROM bud.ModelInferenceDetails "
            + "(columns: inference_id UUID, project_id UUID) (ARGUMENT_OUT_OF_BOUND) (version 26.5.1.1) /tmp/chdb_1234/data";
    static final Pattern LEAK = Pattern.compile("DB::Exception|Code: \\d+|Exception|java\\.|at ai\\.bud|/tmp/|SELECT |version \\d");
    static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final ObjectMapper mapper = new ObjectMapper();
    private final ErrorResponses responses = new ErrorResponses(mapper);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ErrorResponses.class);

    @BeforeEach
    void captureLog() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(logged);
    }

    private JsonNode rendered(Throwable caught) throws Exception {
        return mapper.valueToTree(responses.envelopeFor(caught));
    }

    private static List<FieldError> errors(int n) {
        return IntStream.range(0, n).mapToObj(i -> new FieldError("field_" + i, "unknown field")).toList();
    }

    @Test
    void errorListsAreCappedAtTenWithTheirTotal() throws Exception {
        JsonNode body = rendered(ApiException.unprocessable(errors(2500)));

        assertThat(body.get("code").asInt()).isEqualTo(422);
        assertThat(body.at("/param/errors")).hasSize(10);
        assertThat(body.at("/param/errors/9/field").asText()).isEqualTo("field_9");
        assertThat(body.at("/param/total_errors").asInt()).isEqualTo(2500);
        assertThat(body.get("message").asText()).isEqualTo("2500 invalid fields: field_0, field_1, field_2, field_3, field_4, field_5, "
                + "field_6, field_7, field_8, field_9, …");
        assertThat(body.at("/param/error_id").isMissingNode()).as("a 4xx needs no log line").isTrue();
    }

    @Test
    void aShortListIsWholeAndCounted() throws Exception {
        JsonNode body = rendered(ApiException.unprocessable(errors(3)));
        assertThat(body.at("/param/errors")).hasSize(3);
        assertThat(body.at("/param/total_errors").asInt()).isEqualTo(3);
        JsonNode none = mapper.valueToTree(ErrorEnvelope.of(404, "no such route: /x", List.of()));
        assertThat(none.at("/param/errors")).isEmpty();
        assertThat(none.at("/param/total_errors").asInt()).isZero();
    }

    @Test
    void hugeFieldNamesAndMessagesAreCut() throws Exception {
        String name = "n".repeat(50_000);
        JsonNode body = rendered(ApiException.unprocessable(List.of(new FieldError(name, "m".repeat(50_000)), new FieldError("b", "x"))));
        assertThat(body.toString().length()).isLessThan(3_000);
        assertThat(body.at("/param/errors/0/field").asText()).startsWith("nnnn").endsWith("…").hasSize(ErrorEnvelope.MAX_FIELD + 1);
    }

    @Test
    void theIngestRawEventAnswerIsCappedToo() throws Exception {
        // IngestHttp answers an invalid raw event with ApiException.unprocessable(all its field errors)
        List<FieldError> fields = new ArrayList<>();
        for (String field : List.of("inference_id", "project_id", "endpoint_id", "model_id", "is_success", "request_arrival_time",
                "request_forward_time", "cost", "request_ip", "response_analysis", "api_key_id", "user_id", "status_code")) {
            fields.add(new FieldError(field, "must be valid"));
        }
        JsonNode body = rendered(ApiException.unprocessable(fields));
        assertThat(body.at("/param/errors")).hasSize(10);
        assertThat(body.at("/param/total_errors").asInt()).isEqualTo(13);
    }

    @Test
    void aBrokenStatementIs500WithOnlyAnIdAndTheLogHasTheException() throws Exception {
        SQLException engine = new SQLException(ENGINE_TEXT, "HY000", 69);
        JsonNode body = rendered(new RuntimeException("wrapped", engine));

        assertThat(body.get("code").asInt()).isEqualTo(500);
        assertThat(body.get("type").asText()).isEqualTo("InternalServerError");
        String id = body.at("/param/error_id").asText();
        assertThat(id).matches(UUID_TEXT);
        assertThat(body.get("message").asText()).isEqualTo("internal error (error id " + id + ")");
        assertThat(LEAK.matcher(body.toString()).find()).as(body.toString()).isFalse();
        ILoggingEvent line = logged.list.get(logged.list.size() - 1);
        assertThat(line.getFormattedMessage()).contains("error_id=" + id);
        assertThat(line.getThrowableProxy()).isNotNull();
        assertThat(line.getThrowableProxy().getCause().getMessage()).isEqualTo(ENGINE_TEXT);
    }

    @Test
    void storageThatCannotAnswerIs503WithRetryAfter() throws Exception {
        for (SQLException down : List.of(new SQLException("Connection refused", "08001", 0, new ConnectException("Connection refused")),
                new SQLException("Code: 60. DB::Exception: Unknown table expression identifier 'bud.ModelInference'", "HY000", 60),
                new SQLException("Code: 241. DB::Exception: Memory limit (total) exceeded", "HY000", 241))) {
            Exchange exchange = new DefaultExchange(new DefaultCamelContext());
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, down);
            responses.render(exchange);

            JsonNode body = mapper.readTree(exchange.getMessage().getBody(byte[].class));
            assertThat(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(503);
            assertThat(exchange.getMessage().getHeader("Retry-After")).isEqualTo("5");
            assertThat(body.get("type").asText()).isEqualTo("ServiceUnavailableError");
            assertThat(body.at("/param/error_id").asText()).matches(UUID_TEXT);
            assertThat(LEAK.matcher(body.toString()).find()).as(body.toString()).isFalse();
            assertThat(body.toString()).doesNotContain("ModelInference", "Memory limit");
            assertThat(logged.list.get(logged.list.size() - 1).getFormattedMessage()).contains(body.at("/param/error_id").asText());
        }
    }

    @Test
    void aServiceErrorKeepsItsWordsAndGetsAnId() throws Exception {
        JsonNode timeout = rendered(new ApiException(504, "the analytics query ran longer than the 30 s allowed", List.of(),
                new SQLException(ENGINE_TEXT, "HY000", 159)));
        assertThat(timeout.get("code").asInt()).isEqualTo(504);
        assertThat(timeout.get("type").asText()).isEqualTo("GatewayTimeoutError");
        assertThat(timeout.get("message").asText()).startsWith("the analytics query ran longer than the 30 s allowed (error id ");
        assertThat(LEAK.matcher(timeout.toString()).find()).isFalse();
        assertThat(logged.list.get(logged.list.size() - 1).getThrowableProxy().getMessage()).isEqualTo(ENGINE_TEXT);
    }

    @Test
    void aValidationAnswerCarryingEngineTextIsWithheld() throws Exception {
        // e.g. a storage refusal of one event passed on as that event's field error
        JsonNode body = rendered(ApiException.unprocessable(List.of(new FieldError("response_analysis", ENGINE_TEXT))));

        assertThat(body.get("code").asInt()).isEqualTo(422);
        assertThat(body.at("/param/errors/0/field").asText()).isEqualTo("response_analysis");
        String id = body.at("/param/error_id").asText();
        assertThat(id).matches(UUID_TEXT);
        assertThat(body.at("/param/errors/0/message").asText()).contains(id);
        assertThat(LEAK.matcher(body.toString()).find()).as(body.toString()).isFalse();
        assertThat(logged.list.get(logged.list.size() - 1).getFormattedMessage()).contains(id, ENGINE_TEXT);
    }

    @Test
    void aCallersOwnFieldNamesAreNotMistakenForEngineText() throws Exception {
        JsonNode body = rendered(ApiException.unprocessable(List.of(new FieldError("DB::Exception", "unknown field"),
                new FieldError("java.lang", "unknown field"))));
        assertThat(body.at("/param/errors/0/message").asText()).isEqualTo("unknown field");
        assertThat(body.at("/param/error_id").isMissingNode()).isTrue();
    }

    @Test
    void anythingElseIs500WithNoJavaText() throws Exception {
        JsonNode body = rendered(new IllegalStateException("java.lang.NullPointerException at ai.bud.metrics.analytics.X.y(X.java:1)"));
        assertThat(body.get("code").asInt()).isEqualTo(500);
        assertThat(LEAK.matcher(body.toString()).find()).as(body.toString()).isFalse();
        assertThat(body.at("/param/error_id").asText()).matches(UUID_TEXT);
    }
}
