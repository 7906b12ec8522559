package ai.bud.metrics.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The schemas of openapi.yaml (read from the classpath, as the service reads it) as JSON Schema 2020-12 validators,
 * addressed by JSON pointer: the request body of an operation, its response for a status, or a component.
 */
final class ContractSchemas {

    static final String LOCATION = "classpath:" + ApiContract.RESOURCE;

    private final JsonNode document;
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.metaSchema(OpenApi31.getInstance()).defaultMetaSchemaIri(OpenApi31.getInstance().getIri()));
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    ContractSchemas() {
        try (InputStream in = ContractSchemas.class.getClassLoader().getResourceAsStream(ApiContract.RESOURCE)) {
            this.document = new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode document() {
        return document;
    }

    /** The errors of {@code value} against the schema at {@code pointer} (a JSON pointer into openapi.yaml). */
    List<String> errors(String pointer, JsonNode value) {
        if (document.at(pointer).isMissingNode()) {
            throw new IllegalArgumentException("openapi.yaml has nothing at " + pointer);
        }
        JsonSchema schema = schemas.computeIfAbsent(pointer, p -> factory.getSchema(SchemaLocation.of(LOCATION + "#" + p)));
        return schema.validate(value).stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    /** The pointer of the request body schema of {@code method path}. */
    String request(String method, String path) {
        return operation(method, path) + "/requestBody/content/application~1json/schema";
    }

    /**
     * The pointer of the response schema of {@code method path} for {@code status} (following a {@code $ref} to
     * components/responses); fails when the operation does not declare that status. A path outside the contract is
     * answered in the error envelope.
     */
    String response(String method, String path, int status) {
        if (document.path("paths").path(path).isMissingNode()) {
            if (status < 400) {
                throw new IllegalArgumentException(path + " is not in the contract");
            }
            return "/components/schemas/Error";
        }
        String pointer = operation(method, path) + "/responses/" + status;
        JsonNode response = document.at(pointer);
        if (response.isMissingNode()) {
            throw new AssertionError(method + " " + path + " does not declare status " + status + " in openapi.yaml");
        }
        if (response.has("$ref")) {
            pointer = response.get("$ref").asText().substring(1);
        }
        return pointer + "/content/application~1json/schema";
    }

    private String operation(String method, String path) {
        String pointer = "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT);
        if (document.at(pointer).isMissingNode()) {
            throw new AssertionError(method + " " + path + " is not an operation of openapi.yaml");
        }
        return pointer;
    }

    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
