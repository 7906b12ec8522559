package ai.bud.metrics.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The REST contract, {@code openapi.yaml} on the classpath (src/main/resources): the document Camel's rest-openapi binds
 * to the routes (routes/api.camel.yaml), read once more here to serve it as JSON ({@code GET /openapi.json}, the same
 * tree rendered as JSON, never a second hand-kept copy) and to give {@link ContractPathFilter} its paths and methods.
 */
public final class ApiContract {

    public static final String RESOURCE = "openapi.yaml";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private final JsonNode document;
    private final byte[] json;
    private final Map<String, Set<String>> operations;

    ApiContract(JsonNode document, ObjectMapper json) {
        this.document = document;
        try {
            this.json = json.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Set<String>> paths = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = document.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            Set<String> methods = new TreeSet<>();
            path.getValue().fieldNames().forEachRemaining(name -> {
                if (METHODS.contains(name)) {
                    methods.add(name.toUpperCase(Locale.ROOT));
                }
            });
            paths.put(path.getKey(), Set.copyOf(methods));
        }
        this.operations = Map.copyOf(paths);
    }

    /** The contract from the classpath; a missing or malformed document stops the start-up. */
    public static ApiContract load(ObjectMapper json) {
        try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return new ApiContract(new ObjectMapper(new YAMLFactory()).readTree(in), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /** The document as JSON (the body of {@code GET /openapi.json}; a route step: {@code bean: apiContract, method: json}). */
    public byte[] json() {
        return json;
    }

    /** Each path of the contract and its HTTP methods (upper case). */
    public Map<String, Set<String>> operations() {
        return operations;
    }
}
