package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example request and answer the project shows is valid against the contract (openapi.yaml): the examples in the
 * document itself, the curl requests and JSON answers of docs/API_REFERENCE.md, and the dashboard requests in
 * examples/analytics. The live answers of the service are checked by {@link OpenApiLiveAnswersTest}.
 */
class OpenApiExamplesTest {

    static final ContractSchemas CONTRACT = new ContractSchemas();
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Path API_REFERENCE = Path.of("docs/API_REFERENCE.md");
    private static final Pattern FENCED = Pattern.compile("```(json|bash)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CURL_BODY = Pattern.compile("curl .*?(/observability/(?:analytics|add))\\b.*?-d '([^']*)'", Pattern.DOTALL);

    record Example(String name, String schema, JsonNode value) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Each media type object of the document (a schema with examples beside it) gives its examples. */
    static List<Example> documentExamples() {
        List<Example> examples = new ArrayList<>();
        collect(CONTRACT.document(), "", examples);
        return examples;
    }

    private static void collect(JsonNode node, String pointer, List<Example> out) {
        if (!node.isObject()) {
            return;
        }
        if (node.has("schema") && node.has("examples")) {
            node.get("examples").fields().forEachRemaining(e -> out.add(new Example(pointer + "/examples/" + e.getKey(),
                    pointer + "/schema", e.getValue().get("value"))));
        }
        if (node.has("schema") && node.has("example")) {
            out.add(new Example(pointer + "/example", pointer + "/schema", node.get("example")));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("examples") && !field.getKey().equals("example")) {
                collect(field.getValue(), pointer + "/" + ContractSchemas.escape(field.getKey()), out);
            }
        }
    }

    /** The requests sent by curl and the JSON answers shown in docs/API_REFERENCE.md, each with the schema it must meet. */
    static List<Example> referenceExamples() throws IOException {
        String text = Files.readString(API_REFERENCE);
        List<Example> examples = new ArrayList<>();
        Matcher block = FENCED.matcher(text);
        while (block.find()) {
            int line = text.substring(0, block.start()).split("\n", -1).length;
            if (block.group(1).equals("bash")) {
                Matcher curl = CURL_BODY.matcher(block.group(2));
                while (curl.find()) {
                    examples.add(new Example("API_REFERENCE.md:" + line + " request to " + curl.group(1),
                            CONTRACT.request("post", curl.group(1)), JSON.readTree(curl.group(2))));
                }
                continue;
            }
            JsonNode answer = JSON.readTree(block.group(2));
            String schema = switch (answer.path("object").asText()) {
                case "observability_metrics" -> "/components/schemas/AnalyticsResponse";
                case "info" -> "/components/schemas/IngestReply";
                case "error" -> "/components/schemas/Error";
                case "observability_ids" -> "/components/schemas/Ids";
                default -> throw new AssertionError("API_REFERENCE.md:" + line + ": a JSON block of no known kind: " + block.group(2));
            };
            examples.add(new Example("API_REFERENCE.md:" + line + " " + answer.path("object").asText(), schema, answer));
        }
        return examples;
    }

    /** The dashboard requests of examples/analytics, their date and project tokens filled in as run-examples.sh does. */
    static List<Example> dashboardRequests() throws IOException {
        List<Example> examples = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("examples/analytics"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                String text = Files.readString(file).replaceAll("\\{\\{NOW(-\\d+[hdw])?}}", "2024-05-01T10:00:00")
                        .replace("{{PROJECT_ID}}", "6f1c1c9e-2a43-4a8e-9b5a-4d9e8f1a2b3c");
                examples.add(new Example(file.toString(), CONTRACT.request("post", "/observability/analytics"), JSON.readTree(text)));
            }
        }
        return examples;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"documentExamples", "referenceExamples", "dashboardRequests"})
    void isValidAgainstTheContract(Example example) {
        assertThat(CONTRACT.errors(example.schema(), example.value())).as("%s against %s", example.name(), example.schema()).isEmpty();
    }

    @Test
    void everyOperationShowsARequestAndAnAnswer() throws IOException {
        List<Example> document = documentExamples();
        // each operation with a body has request examples, and every operation an example answer
        CONTRACT.document().path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            String pointer = "/paths/" + ContractSchemas.escape(path.getKey()) + "/" + op.getKey();
            if (op.getValue().has("requestBody")) {
                assertThat(document).as("request examples of %s", pointer).anyMatch(e -> e.name().startsWith(pointer + "/requestBody/"));
            }
            if (!path.getKey().equals("/openapi.json")) {
                assertThat(document).as("answer examples of %s", pointer).anyMatch(e -> e.name().startsWith(pointer + "/responses/200/"));
            }
        }));
        // the reference shows requests for both POST operations and answers of each kind
        assertThat(referenceExamples()).extracting(Example::name)
                .anyMatch(n -> n.endsWith("request to /observability/analytics")).anyMatch(n -> n.endsWith("request to /observability/add"))
                .anyMatch(n -> n.endsWith("observability_metrics")).anyMatch(n -> n.endsWith("info")).anyMatch(n -> n.endsWith("error"));
        assertThat(dashboardRequests()).hasSizeGreaterThanOrEqualTo(8);
    }

    /** The validator is strict enough to catch a drifted answer or request: each of these edits of a valid example is rejected. */
    @Test
    void anExampleWithAFieldRemovedOrChangedIsRejected() {
        JsonNode analytics = CONTRACT.document().at("/paths/~1observability~1analytics/post/responses/200/content/application~1json/examples/requestsPerModel/value");
        String analyticsSchema = CONTRACT.response("post", "/observability/analytics", 200);
        assertThat(CONTRACT.errors(analyticsSchema, analytics)).isEmpty();

        ObjectNode noData = analytics.deepCopy();
        ((ObjectNode) noData.at("/items/1/items/0")).remove("data");
        assertThat(CONTRACT.errors(analyticsSchema, noData)).isNotEmpty();
        ObjectNode stringCount = analytics.deepCopy();
        ((ObjectNode) stringCount.at("/items/1/items/0/data/request_count")).put("count", "1");
        assertThat(CONTRACT.errors(analyticsSchema, stringCount)).isNotEmpty();
        ObjectNode unknownMetric = analytics.deepCopy();
        ((ObjectNode) unknownMetric.at("/items/1/items/0/data")).putObject("tokens").put("count", 1);
        assertThat(CONTRACT.errors(analyticsSchema, unknownMetric)).isNotEmpty();

        JsonNode error = CONTRACT.document().at("/components/responses/Unauthorized/content/application~1json/examples/missing/value");
        ObjectNode noField = error.deepCopy();
        ((ObjectNode) noField.at("/param/errors/0")).remove("field");
        assertThat(CONTRACT.errors("/components/schemas/Error", error)).isEmpty();
        assertThat(CONTRACT.errors("/components/schemas/Error", noField)).isNotEmpty();

        JsonNode reply = CONTRACT.document().at("/paths/~1observability~1add/post/responses/200/content/application~1json/examples/bulk/value");
        ObjectNode okStatus = reply.deepCopy();
        ((ObjectNode) okStatus.at("/statuses/0")).put("status", "OK");
        assertThat(CONTRACT.errors("/components/schemas/IngestReply", okStatus)).isNotEmpty();

        String requestSchema = CONTRACT.request("post", "/observability/analytics");
        JsonNode request = CONTRACT.document().at("/paths/~1observability~1analytics/post/requestBody/content/application~1json/examples/requestsPerModel/value");
        ObjectNode topK = request.deepCopy();
        topK.put("top_k", 3);
        assertThat(CONTRACT.errors(requestSchema, topK)).as("an unknown field").isNotEmpty();
        ObjectNode noMetrics = request.deepCopy();
        noMetrics.remove("metrics");
        assertThat(CONTRACT.errors(requestSchema, noMetrics)).isNotEmpty();
        ObjectNode badUnit = request.deepCopy();
        badUnit.put("frequency_unit", "minute");
        assertThat(CONTRACT.errors(requestSchema, badUnit)).isNotEmpty();
    }
}
