package ai.bud.metrics.analytics;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Streams an {@link AnalyticsResponse} as JSON with a Jackson generator (no intermediate tree of maps). */
final class ResponseWriter {

    private static final JsonFactory FACTORY = RowJsonWriter.FACTORY;

    private ResponseWriter() {
    }

    public static byte[] toJson(AnalyticsResponse response) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("object", response.object());
            json.writeArrayFieldStart("items");
            for (AnalyticsResponse.Period period : response.items()) {
                json.writeStartObject();
                json.writeStringField("time_period", period.timePeriod());
                if (period.items() == null) {
                    json.writeNullField("items");
                } else {
                    json.writeArrayFieldStart("items");
                    for (AnalyticsResponse.Series series : period.items()) {
                        writeSeries(json, series);
                    }
                    json.writeEndArray();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeSeries(JsonGenerator json, AnalyticsResponse.Series series) throws IOException {
        json.writeStartObject();
        writeId(json, "model_id", series.modelId());
        writeId(json, "project_id", series.projectId());
        writeId(json, "endpoint_id", series.endpointId());
        json.writeObjectFieldStart("data");
        for (AnalyticsResponse.MetricValue metric : series.data()) {
            json.writeObjectFieldStart(metric.metric());
            for (AnalyticsResponse.FieldValue field : metric.fields()) {
                writeNumber(json, field.name(), field.value());
            }
            writeNumber(json, "delta", metric.delta());
            writeNumber(json, "delta_percent", metric.deltaPercent());
            json.writeEndObject();
        }
        json.writeEndObject();
        json.writeEndObject();
    }

    private static void writeId(JsonGenerator json, String name, UUID id) throws IOException {
        if (id == null) {
            json.writeNullField(name);
        } else {
            json.writeStringField(name, id.toString());
        }
    }

    private static void writeNumber(JsonGenerator json, String name, Number value) throws IOException {
        json.writeFieldName(name);
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Long l) {
            json.writeNumber(l);
        } else {
            json.writeNumber(value.doubleValue());
        }
    }
}
