package ai.bud.metrics.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The test's own reading of an export: the columns an {@link Ask} must give (from SPEC section 2's metric table, written
 * out here, not taken from the registry), a JSON answer flattened into those rows, and an RFC 4180 CSV parser.
 */
final class AnswerTable {

    /** SPEC section 2: each metric's object fields, in the order of the table there. */
    static final Map<String, List<String>> FIELDS = Map.ofEntries(
            Map.entry("request_count", List.of("count", "rate")),
            Map.entry("success_request", List.of("count", "rate")),
            Map.entry("failure_request", List.of("count", "rate")),
            Map.entry("queuing_time", List.of("avg_time_ms")),
            Map.entry("input_token", List.of("count", "rate")),
            Map.entry("output_token", List.of("count", "rate")),
            Map.entry("concurrent_requests", List.of("avg")),
            Map.entry("ttft", List.of("avg", "p95", "p99")),
            Map.entry("latency", List.of("avg", "p95", "p99")),
            Map.entry("throughput", List.of("avg")),
            Map.entry("cache", List.of("hit_rate", "hit_count", "avg_latency_ms")));

    private AnswerTable() {
    }

    static List<String> columns(Ask ask) {
        List<String> columns = new ArrayList<>(List.of("time_period"));
        if (ask.groupBy() != null) {
            ask.groupBy().forEach(dimension -> columns.add(dimension + "_id"));
        }
        boolean delta = ask.delta() == null || ask.delta();
        for (String metric : ask.metrics()) {
            FIELDS.get(metric).forEach(field -> columns.add(metric + "." + field));
            if (delta) {
                columns.add(metric + ".delta");
                columns.add(metric + ".delta_percent");
            }
        }
        return columns;
    }

    /** One map per bucket and series (a bucket without data: one map with only its time), newest first as the answer. */
    static List<Map<String, JsonNode>> rows(JsonNode answer, Ask ask) {
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        for (JsonNode bucket : answer.get("items")) {
            if (bucket.get("items").isNull()) {
                rows.add(Map.of("time_period", bucket.get("time_period")));
                continue;
            }
            for (JsonNode item : bucket.get("items")) {
                Map<String, JsonNode> row = new LinkedHashMap<>();
                row.put("time_period", bucket.get("time_period"));
                if (ask.groupBy() != null) {
                    ask.groupBy().forEach(dimension -> row.put(dimension + "_id", item.get(dimension + "_id")));
                }
                item.get("data").fields().forEachRemaining(metric -> metric.getValue().fields()
                        .forEachRemaining(field -> row.put(metric.getKey() + "." + field.getKey(), field.getValue())));
                rows.add(row);
            }
        }
        return rows;
    }

    /** RFC 4180 records (quoted fields may hold commas, quotes and line breaks); every record ends with CRLF. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"' && field.isEmpty()) {
                int close = i + 1;
                while (true) {
                    int quote = text.indexOf('"', close);
                    if (quote + 1 < text.length() && text.charAt(quote + 1) == '"') {
                        field.append(text, close, quote + 1);
                        close = quote + 2;
                    } else {
                        field.append(text, close, quote);
                        i = quote + 1;
                        break;
                    }
                }
                continue;
            }
            if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
            i++;
        }
        if (!record.isEmpty() || !field.isEmpty()) {
            throw new AssertionError("the CSV does not end with CRLF");
        }
        return records;
    }

    /** A CSV cell as the JSON value it stands for: null when empty, an integer, a number, else text. */
    static JsonNode cellValue(String cell) {
        if (cell.isEmpty()) {
            return NullNode.instance;
        }
        if (cell.matches("-?\\d+")) {
            return LongNode.valueOf(Long.parseLong(cell));
        }
        try {
            return DoubleNode.valueOf(Double.parseDouble(cell));
        } catch (NumberFormatException e) {
            return TextNode.valueOf(cell);
        }
    }

    /** Whether a CSV cell says the same as the JSON value: empty for null, the same number, the same text. */
    static boolean sameCell(String cell, JsonNode value) {
        if (value == null || value.isNull()) {
            return cell.isEmpty();
        }
        if (value.isIntegralNumber()) {
            return cell.matches("-?\\d+") && Long.parseLong(cell) == value.asLong();
        }
        if (value.isNumber()) {
            return !cell.isEmpty() && Double.parseDouble(cell) == value.asDouble();
        }
        return cell.equals(value.asText());
    }
}
