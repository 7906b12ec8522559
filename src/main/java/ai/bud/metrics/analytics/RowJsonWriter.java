package ai.bud.metrics.analytics;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Writes the SPEC section 2 response straight from the rows of {@link QueryBuilder}'s statement to JSON, in one pass
 * and without intermediate objects: the streaming twin of {@link ResultShaper} + {@link ResponseWriter} (which build
 * records first; a test keeps both byte-for-byte equal). Columns are resolved to indexes once; ids are copied as the
 * text the driver gives (ClickHouse prints UUIDs canonical and lower-case).
 *
 * <p>It also splits its time: {@link Timing#readNanos} is spent in the driver ({@code next()} and getters: reading and
 * decoding the engine's rows), {@link Timing#totalNanos} minus that is JSON writing.
 */
public final class RowJsonWriter {

    static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    /** Where the time of one {@link #write} went, in nanoseconds. */
    public record Timing(long readNanos, long totalNanos) {
    }

    private RowJsonWriter() {
    }

    /** The whole body as bytes (for the cache and the reply). */
    public static Result toBytes(ResultSet rows, AnalyticsRequest request) throws SQLException {
        Buffer out = new Buffer(64 * 1024);
        Timing timing = write(rows, request, out);
        return new Result(out.bytes(), timing);
    }

    /** A body and how long it took. */
    public record Result(byte[] body, Timing timing) {
    }

    public static Timing write(ResultSet rows, AnalyticsRequest request, OutputStream out) throws SQLException {
        long start = System.nanoTime();
        long reading = 0;
        Columns columns = new Columns(rows, request);
        try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("object", "observability_metrics");
            json.writeArrayFieldStart("items");
            boolean open = false;
            boolean withItems = false;
            long currentBucket = Long.MIN_VALUE;
            while (true) {
                long before = System.nanoTime();
                if (!rows.next()) {
                    reading += System.nanoTime() - before;
                    break;
                }
                long bucket = rows.getLong(columns.bucket);
                boolean hasData = rows.getInt(columns.hasData) == 1;
                reading += System.nanoTime() - before;
                if (!open || bucket != currentBucket) {
                    if (open) {
                        closePeriod(json, withItems);
                    }
                    currentBucket = bucket;
                    open = true;
                    withItems = hasData;
                    json.writeStartObject();
                    json.writeStringField("time_period", ResultShaper.timePeriod(bucket, request.timezone()));
                    if (hasData) {
                        json.writeArrayFieldStart("items");
                    } else {
                        json.writeNullField("items");
                    }
                }
                if (hasData && withItems) {
                    reading += writeSeries(json, rows, request, columns);
                }
            }
            if (open) {
                closePeriod(json, withItems);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Timing(reading, System.nanoTime() - start);
    }

    private static void closePeriod(JsonGenerator json, boolean withItems) throws IOException {
        if (withItems) {
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /** Writes one series object; returns the nanoseconds spent reading columns. */
    private static long writeSeries(JsonGenerator json, ResultSet rows, AnalyticsRequest request, Columns columns)
            throws SQLException, IOException {
        long reading = 0;
        json.writeStartObject();
        for (Dimension dimension : Dimension.values()) {
            int index = columns.keys[dimension.ordinal()];
            json.writeFieldName(dimension.column());
            if (index == 0) {
                json.writeNull();
            } else {
                long before = System.nanoTime();
                String id = rows.getString(index);
                reading += System.nanoTime() - before;
                json.writeString(id);
            }
        }
        json.writeObjectFieldStart("data");
        List<MetricDefinition> metrics = columns.metrics;
        for (int m = 0; m < metrics.size(); m++) {
            MetricDefinition metric = metrics.get(m);
            json.writeObjectFieldStart(metric.name());
            List<MetricField> fields = metric.fields();
            int[] indexes = columns.fields[m];
            for (int f = 0; f < fields.size(); f++) {
                MetricField field = fields.get(f);
                json.writeFieldName(field.name());
                switch (field.kind()) {
                    case ALWAYS_NULL -> json.writeNull();
                    case INTEGER -> json.writeNumber(rows.getLong(indexes[f]));
                    case NUMBER -> json.writeNumber(rows.getDouble(indexes[f]));
                    case NULLABLE_NUMBER -> {
                        double value = rows.getDouble(indexes[f]);
                        if (rows.wasNull() || Double.isNaN(value)) {
                            json.writeNull();
                        } else {
                            json.writeNumber(value);
                        }
                    }
                }
            }
            json.writeFieldName("delta");
            if (!request.returnDelta()) {
                json.writeNull();
                json.writeFieldName("delta_percent");
                json.writeNull();
            } else {
                boolean integer = metric.primary().kind() == MetricField.Kind.INTEGER;
                int primary = columns.primary[m];
                int previousIndex = columns.previous[m];
                if (rows.getInt(columns.hasPrevious) == 1) {
                    double value = rows.getDouble(primary);
                    double previous = rows.getDouble(previousIndex);
                    double rounded = ResultShaper.round2(value - previous);
                    if (integer) {
                        json.writeNumber(rows.getLong(primary) - rows.getLong(previousIndex));
                    } else {
                        json.writeNumber(rounded);
                    }
                    json.writeFieldName("delta_percent");
                    json.writeNumber(ResultShaper.percent(rounded, previous));
                } else {
                    if (integer) {
                        json.writeNumber(0L);
                    } else {
                        json.writeNumber(0.0);
                    }
                    json.writeFieldName("delta_percent");
                    json.writeNumber(0.0);
                }
            }
            json.writeEndObject();
        }
        json.writeEndObject();
        json.writeEndObject();
        return reading;
    }

    /** 1-based column indexes of one statement's result, resolved once. */
    private static final class Columns {
        final int bucket;
        final int hasData;
        final int hasPrevious;
        final int[] keys = new int[Dimension.values().length];
        final List<MetricDefinition> metrics;
        final int[][] fields;
        final int[] primary;
        final int[] previous;

        Columns(ResultSet rows, AnalyticsRequest request) throws SQLException {
            bucket = rows.findColumn("bucket");
            hasData = rows.findColumn("has_data");
            hasPrevious = request.returnDelta() ? rows.findColumn("has_previous") : 0;
            for (Dimension key : request.groupBy()) {
                keys[key.ordinal()] = rows.findColumn(key.keyAlias());
            }
            metrics = request.metricDefinitions();
            fields = new int[metrics.size()][];
            primary = new int[metrics.size()];
            previous = new int[metrics.size()];
            for (int m = 0; m < metrics.size(); m++) {
                MetricDefinition metric = metrics.get(m);
                List<MetricField> list = metric.fields();
                fields[m] = new int[list.size()];
                for (int f = 0; f < list.size(); f++) {
                    MetricField field = list.get(f);
                    fields[m][f] = field.kind() == MetricField.Kind.ALWAYS_NULL ? 0 : rows.findColumn(metric.column(field));
                }
                primary[m] = rows.findColumn(metric.column(metric.primary()));
                previous[m] = request.returnDelta() ? rows.findColumn(metric.previousColumn()) : 0;
            }
        }
    }

    /** A growable byte buffer whose content is handed over without a copy when it is exactly full. */
    static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        byte[] bytes() {
            return count == buf.length ? buf : toByteArray();
        }
    }
}
