package ai.bud.metrics.analytics;

import java.util.Arrays;
import java.util.Optional;

/** A dimension a request may filter or group by; the column names come only from here. */
public enum Dimension {
    MODEL("model", "model_id"),
    PROJECT("project", "project_id"),
    ENDPOINT("endpoint", "endpoint_id");

    private final String apiName;
    private final String column;

    Dimension(String apiName, String column) {
        this.apiName = apiName;
        this.column = column;
    }

    public String apiName() {
        return apiName;
    }

    /** Column in ModelInferenceDetails, and the response field ({@code model_id}…). */
    public String column() {
        return column;
    }

    /** Alias of the group key inside the generated SQL. */
    String keyAlias() {
        return "g_" + apiName;
    }

    static Optional<Dimension> byApiName(String name) {
        return Arrays.stream(values()).filter(d -> d.apiName.equals(name)).findFirst();
    }

    static String validNames() {
        return String.join(", ", Arrays.stream(values()).map(Dimension::apiName).toList());
    }
}
