package ai.bud.metrics.analytics;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GET /observability/ids: the project, model and endpoint ids that have rows in a time range — the dashboard's filter
 * choices. One scan of {@code ModelInferenceDetails} over the range (the distinct id triples, one row per id after an
 * {@code ARRAY JOIN}), at most {@value #LIMIT} ids per dimension (as many as one analytics filter takes), the range's
 * bounds bound as parameters. Plain Java: {@link IdsFlow} adapts it to the route.
 */
final class PresentIds {

    /** As many ids as one analytics filter list may hold; beyond that {@code truncated} is true. */
    static final int LIMIT = AnalyticsRequestParser.MAX_FILTER_IDS;
    static final Set<String> PARAMETERS = Set.of("from_date", "to_date");

    static final String SQL = """
            SELECT tupleElement(pair, 1) AS dimension, toString(tupleElement(pair, 2)) AS id
            FROM (
                SELECT DISTINCT project_id, model_id, endpoint_id
                FROM ModelInferenceDetails
                WHERE request_arrival_time >= {from_date:DateTime64(3, 'UTC')}
                  AND request_arrival_time <= {to_date:DateTime64(3, 'UTC')}
            )
            ARRAY JOIN [('project', project_id), ('model', model_id), ('endpoint', endpoint_id)] AS pair
            GROUP BY dimension, id
            ORDER BY dimension, id
            LIMIT {limit:UInt64} BY dimension""";

    /** A validated range: {@code to} is now when the caller gave no to_date. */
    record Range(Instant from, Instant to) {
    }

    private PresentIds() {
    }

    /**
     * The range of the query string's {@code from_date} (required) and {@code to_date} (default now), read as the analytics
     * request reads them; 422 naming each bad field, and any other parameter.
     */
    static Range range(Map<String, String> parameters, Clock clock) {
        List<FieldError> errors = new ArrayList<>();
        parameters.keySet().stream().filter(name -> !PARAMETERS.contains(name)).sorted()
                .forEach(name -> errors.add(new FieldError(name, "unknown parameter; allowed: from_date, to_date")));
        Instant from = AnalyticsRequestParser.instant(text(parameters.get("from_date")), "from_date", true, errors);
        Instant to = AnalyticsRequestParser.instant(text(parameters.get("to_date")), "to_date", false, errors);
        if (from != null && to != null && to.isBefore(from)) {
            errors.add(new FieldError("to_date", "to_date must not be before from_date"));
        }
        if (!errors.isEmpty()) {
            throw ApiException.unprocessable(errors);
        }
        return new Range(from, to != null ? to : clock.instant());
    }

    private static TextNode text(String value) {
        return value == null ? null : TextNode.valueOf(value);
    }

    static SqlQuery query(Range range, long maxExecutionSeconds) {
        Map<String, QueryParameter> params = new LinkedHashMap<>();
        params.put("from_date", QueryParameter.utcMillis(range.from()));
        params.put("to_date", QueryParameter.utcMillis(range.to()));
        params.put("limit", QueryParameter.uint64(LIMIT + 1));
        String settings = maxExecutionSeconds > 0 ? "\nSETTINGS max_execution_time = " + maxExecutionSeconds : "";
        return new SqlQuery(SQL + settings, params);
    }

    /** The engine's answer to {@link #query} as the JSON document of the {@code Ids} schema of openapi.yaml. */
    static byte[] answer(InputStream rowBinary, Range range) throws IOException, SQLException {
        Map<Dimension, List<String>> ids = new EnumMap<>(Dimension.class);
        for (Dimension dimension : Dimension.values()) {
            ids.put(dimension, new ArrayList<>());
        }
        BinaryRows rows;
        try {
            rows = BinaryRows.open(rowBinary);
        } catch (BinaryRows.UnsupportedTypeException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        int dimensionColumn = rows.findColumn("dimension");
        int idColumn = rows.findColumn("id");
        while (rows.next()) {
            Dimension dimension = Dimension.byApiName(rows.getString(dimensionColumn)).orElseThrow();
            ids.get(dimension).add(rows.getString(idColumn));
        }
        boolean truncated = false;
        StringBuilder json = new StringBuilder(128 + 40 * ids.values().stream().mapToInt(List::size).sum())
                .append("{\"object\":\"observability_ids\",\"from_date\":\"").append(DateTimeFormatter.ISO_INSTANT.format(range.from()))
                .append("\",\"to_date\":\"").append(DateTimeFormatter.ISO_INSTANT.format(range.to())).append('"');
        for (Dimension dimension : List.of(Dimension.PROJECT, Dimension.MODEL, Dimension.ENDPOINT)) {
            List<String> list = ids.get(dimension);
            truncated |= list.size() > LIMIT;
            json.append(",\"").append(dimension.apiName()).append("_ids\":[");
            for (int i = 0; i < Math.min(LIMIT, list.size()); i++) {
                json.append(i == 0 ? "\"" : ",\"").append(list.get(i)).append('"'); // UUID text: nothing to escape
            }
            json.append(']');
        }
        return json.append(",\"truncated\":").append(truncated).append('}').toString().getBytes(StandardCharsets.UTF_8);
    }
}
