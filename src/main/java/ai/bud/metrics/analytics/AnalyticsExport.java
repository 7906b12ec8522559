package ai.bud.metrics.analytics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The analytics answer as a table: one row per bucket and series, newest bucket first as in the JSON document, with the
 * columns {@code time_period}, the {@code group_by} ids in their order, then each requested metric's fields as
 * {@code metric.field} ({@code request_count.count}, …) and, when deltas are asked, {@code metric.delta} and
 * {@code metric.delta_percent}. A bucket without data (gap filling) is one row with only its {@code time_period}.
 *
 * <p>It reads the JSON answer ({@link RowJsonWriter}'s bytes) once, token by token, and copies each value's text as
 * written there: a cell is the very number of the JSON answer, so the formats never disagree, and the query, its SQL
 * and its writer stay one path. CSV follows RFC 4180 (CRLF, a header row, quotes only where needed; null is an empty
 * cell); NDJSON is one flat JSON object per line with the same names as keys.
 */
final class AnalyticsExport {

    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private AnalyticsExport() {
    }

    /** The columns of {@code request}'s table, in order. */
    static List<String> columns(AnalyticsRequest request) {
        List<String> columns = new ArrayList<>();
        columns.add("time_period");
        request.groupBy().forEach(dimension -> columns.add(dimension.column()));
        for (MetricDefinition metric : request.metricDefinitions()) {
            metric.fields().forEach(field -> columns.add(metric.name() + "." + field.name()));
            if (request.returnDelta()) {
                columns.add(metric.name() + ".delta");
                columns.add(metric.name() + ".delta_percent");
            }
        }
        return columns;
    }

    /** A file name that says what the table holds: {@code analytics_<from>_<to>_<bucket>.<csv|ndjson>}. */
    static String fileName(AnalyticsRequest request, AnswerFormat format) {
        String to = request.toDate() == null ? "now" : FILE_TIME.format(request.toDate());
        String bucket = (request.aligned() ? request.frequencyInterval() : "") + request.frequencyUnit().name().toLowerCase(java.util.Locale.ROOT);
        return "analytics_" + FILE_TIME.format(request.fromDate()) + "_" + to + "_" + bucket + "." + format.token();
    }

    /** {@code json}, the answer to {@code request}, as {@code format} (CSV or NDJSON). */
    static byte[] convert(byte[] json, AnalyticsRequest request, AnswerFormat format) {
        List<String> columns = columns(request);
        Table table = format == AnswerFormat.CSV ? new Csv(columns, json.length) : new Ndjson(columns, json.length);
        try (JsonParser parser = JSON.createParser(json)) {
            expect(parser.nextToken(), JsonToken.START_OBJECT);
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (name.equals("items")) {
                    buckets(parser, table);
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the analytics answer is not the JSON its writer makes", e);
        }
        return table.bytes();
    }

    private static void buckets(JsonParser parser, Table table) throws IOException {
        expect(parser.currentToken(), JsonToken.START_ARRAY);
        while (parser.nextToken() == JsonToken.START_OBJECT) {
            Cell period = null;
            List<Map<String, Cell>> series = new ArrayList<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("time_period")) {
                    period = Cell.of(parser);
                } else if (name.equals("items") && value == JsonToken.START_ARRAY) {
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        Map<String, Cell> cells = new HashMap<>();
                        flatten(parser, "", cells);
                        series.add(cells);
                    }
                } else {
                    parser.skipChildren();
                }
            }
            if (series.isEmpty()) {
                table.row(Map.of("time_period", period));
            }
            for (Map<String, Cell> cells : series) {
                cells.put("time_period", period);
                table.row(cells);
            }
        }
    }

    /** The scalars of the object at the parser, by their dotted path below {@code data} ({@code model_id}, {@code latency.p95}). */
    private static void flatten(JsonParser parser, String prefix, Map<String, Cell> cells) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT) {
                flatten(parser, name.equals("data") && prefix.isEmpty() ? "" : prefix + name + ".", cells);
            } else if (value == JsonToken.START_ARRAY) {
                parser.skipChildren();
            } else {
                cells.put(prefix + name, Cell.of(parser));
            }
        }
    }

    private static void expect(JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + ", found " + actual);
        }
    }

    /** A scalar as the JSON answer wrote it: its text, and whether it is a string (null: a JSON null). */
    private record Cell(String text, boolean string) {
        static Cell of(JsonParser parser) throws IOException {
            JsonToken token = parser.currentToken();
            return token == JsonToken.VALUE_NULL ? null : new Cell(parser.getText(), token == JsonToken.VALUE_STRING);
        }
    }

    private abstract static class Table {
        final List<String> columns;
        final ByteArrayOutputStream out;

        Table(List<String> columns, int expectedBytes) {
            this.columns = columns;
            this.out = new ByteArrayOutputStream(Math.max(1024, expectedBytes));
        }

        abstract void row(Map<String, Cell> cells);

        void write(String text) {
            out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static final class Csv extends Table {
        Csv(List<String> columns, int expectedBytes) {
            super(columns, expectedBytes);
            write(String.join(",", columns.stream().map(Csv::quoted).toList()) + "\r\n");
        }

        @Override
        void row(Map<String, Cell> cells) {
            StringBuilder line = new StringBuilder(16 * columns.size());
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                Cell cell = cells.get(columns.get(i));
                if (cell != null) {
                    line.append(quoted(cell.text()));
                }
            }
            write(line.append("\r\n").toString());
        }

        static String quoted(String text) {
            boolean plain = text.chars().noneMatch(c -> c == ',' || c == '"' || c == '\r' || c == '\n');
            return plain ? text : '"' + text.replace("\"", "\"\"") + '"';
        }
    }

    private static final class Ndjson extends Table {
        private final List<String> keys;

        Ndjson(List<String> columns, int expectedBytes) {
            super(columns, expectedBytes);
            keys = columns.stream().map(Ndjson::quoted).toList();
        }

        @Override
        void row(Map<String, Cell> cells) {
            StringBuilder line = new StringBuilder(24 * columns.size()).append('{');
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                Cell cell = cells.get(columns.get(i));
                line.append(keys.get(i)).append(':');
                line.append(cell == null ? "null" : cell.string() ? quoted(cell.text()) : cell.text());
            }
            write(line.append("}\n").toString());
        }

        /** The answer's strings are ids and times (ASCII, nothing to escape); escaped anyway, as JSON requires. */
        static String quoted(String text) {
            StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') {
                    quoted.append('\\').append(c);
                } else if (c < 0x20) {
                    quoted.append(String.format("\\u%04x", (int) c));
                } else {
                    quoted.append(c);
                }
            }
            return quoted.append('"').toString();
        }
    }
}
