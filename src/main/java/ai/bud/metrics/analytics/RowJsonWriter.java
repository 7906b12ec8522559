package ai.bud.metrics.analytics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Writes the SPEC section 2 response straight from the rows of {@link QueryBuilder}'s statement to JSON bytes, in one
 * pass and without intermediate objects. (The tests keep a reference path that builds records first and uses Jackson;
 * RowJsonWriterTest keeps both byte-for-byte equal.)
 *
 * <p>Why not Jackson here: every name in this document is a constant (field, metric and dimension names from the
 * registries) and every string value is ASCII that needs no escaping (UUIDs as ClickHouse prints them, bucket times
 * from a fixed pattern), so the constant parts are pre-encoded once and the values are copied; numbers use Jackson's own
 * formatting ({@link NumberOutput}, the fast double writer), so the text is the same. On the heavy reference call
 * (107k series rows, 22 MB) this halved the time of writing JSON. Columns are resolved to indexes once.
 *
 * <p>The rows come from {@link BinaryRows} (the engine's RowBinary decoded into primitives). It also splits its time:
 * {@link Timing#readNanos} is spent reading and decoding rows, the rest of {@link Timing#totalNanos} writing JSON.
 */
public final class RowJsonWriter {

    /** The Jackson settings of the tests' reference writer: numbers formatted alike in both paths. */
    static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    private static final byte[] START = ascii("{\"object\":\"observability_metrics\",\"items\":[");
    private static final byte[] END = ascii("]}");
    private static final byte[] PERIOD = ascii("{\"time_period\":\"");
    private static final byte[] WITH_ITEMS = ascii("\",\"items\":[");
    private static final byte[] WITHOUT_ITEMS = ascii("\",\"items\":null}");
    private static final byte[] PERIOD_END = ascii("]}");
    private static final byte[] NULL = ascii("null");
    private static final byte[] ZERO = ascii("0.0");
    private static final byte[] DATA = ascii("\"data\":{");
    private static final byte[] DELTA = ascii(",\"delta\":");
    private static final byte[] DELTA_PERCENT = ascii(",\"delta_percent\":");
    private static final byte[][] KEY_NAMES = new byte[Dimension.values().length][];

    static {
        for (Dimension dimension : Dimension.values()) {
            KEY_NAMES[dimension.ordinal()] = ascii((dimension.ordinal() == 0 ? "{\"" : ",\"") + dimension.column() + "\":");
        }
    }

    /** Where the time of one {@link #write} went, in nanoseconds. */
    public record Timing(long readNanos, long totalNanos) {
    }

    /** A body and how long it took. */
    public record Result(byte[] body, Timing timing) {
    }

    private RowJsonWriter() {
    }

    /** Where the rows come from: the engine's RowBinary ({@link BinaryRows}), or in tests a JDBC result set. */
    interface Rows {
        /** Moves to the next row (the values then read it); false at the end. */
        boolean next() throws SQLException;

        /** Nanoseconds spent reading and decoding rows so far. */
        long readingNanos();
    }

    /**
     * The service's path: rows decoded from the engine's RowBinary answer ({@link BinaryRows}); {@code sketches}: the
     * statement reads the rollup, and gives each percentile's merged sketch rather than its value.
     */
    static Result toBytes(BinaryRows rows, AnalyticsRequest request, boolean sketches) throws SQLException {
        Out out = new Out(64 * 1024);
        Timing timing = write(rows, request, out, rows, new Columns(rows::findColumn, request, sketches));
        return new Result(out.bytes(), timing);
    }

    /** The values of the current row, by 1-based column index, as the JDBC getters give them. */
    interface RowValues {
        long getLong(int index) throws SQLException;

        double getDouble(int index) throws SQLException;

        /** As JDBC's {@code ResultSet.getDouble(int)} followed by {@link #wasNull()}: 0 and null for a NULL. */
        double getNullableDouble(int index) throws SQLException;

        boolean wasNull() throws SQLException;

        /** The value at {@code level} of the merged sketch in the column ({@link LogHistogram#quantile}); NaN when it is empty. */
        double getQuantile(int index, double level) throws SQLException;

        /** The column's text (a UUID or a String, ASCII needing no escapes) appended to {@code out}. */
        void writeText(int index, Out out) throws SQLException;
    }

    /** Finds a column's 1-based index by its name. */
    interface ColumnIndex {
        int find(String name) throws SQLException;
    }

    static Timing write(Rows rows, AnalyticsRequest request, Out out, RowValues values, Columns columns) throws SQLException {
        long start = System.nanoTime();
        out.write(START);
        boolean open = false;
        boolean withItems = false;
        boolean firstItem = true;
        long currentBucket = Long.MIN_VALUE;
        while (true) {
            if (!rows.next()) {
                break;
            }
            long bucket = values.getLong(columns.bucket);
            boolean hasData = values.getLong(columns.hasData) == 1;
            if (!open || bucket != currentBucket) {
                if (open) {
                    if (withItems) {
                        out.write(PERIOD_END);
                    }
                    out.write(',');
                }
                currentBucket = bucket;
                open = true;
                withItems = hasData;
                firstItem = true;
                out.write(PERIOD);
                out.ascii(ResponseValues.timePeriod(bucket, request.timezone()));
                out.write(hasData ? WITH_ITEMS : WITHOUT_ITEMS);
            }
            if (hasData && withItems) {
                if (!firstItem) {
                    out.write(',');
                }
                firstItem = false;
                writeSeries(out, values, request, columns);
            }
        }
        if (open && withItems) {
            out.write(PERIOD_END);
        }
        out.write(END);
        long total = System.nanoTime() - start;
        return new Timing(Math.min(total, rows.readingNanos()), total);
    }

    private static void writeSeries(Out out, RowValues rows, AnalyticsRequest request, Columns columns) throws SQLException {
        for (Dimension dimension : Dimension.values()) {
            int index = columns.keys[dimension.ordinal()];
            out.write(KEY_NAMES[dimension.ordinal()]);
            if (index == 0) {
                out.write(NULL);
            } else {
                out.write('"');
                rows.writeText(index, out);
                out.write('"');
            }
        }
        out.write(',');
        out.write(DATA);
        List<MetricDefinition> metrics = columns.metrics;
        for (int m = 0; m < metrics.size(); m++) {
            MetricDefinition metric = metrics.get(m);
            out.write(columns.metricNames[m]);
            List<MetricField> fields = metric.fields();
            int[] indexes = columns.fields[m];
            double[] levels = columns.levels[m];
            byte[][] names = columns.fieldNames[m];
            int primaryField = columns.primaryField[m];
            double primaryValue = 0;
            long primaryLong = 0;
            for (int f = 0; f < fields.size(); f++) {
                out.write(names[f]);
                switch (fields.get(f).kind()) {
                    case ALWAYS_NULL -> out.write(NULL);
                    case INTEGER -> {
                        long value = rows.getLong(indexes[f]);
                        out.number(value);
                        primaryLong = value;
                        primaryValue = value;
                    }
                    case NUMBER -> {
                        double value = rows.getDouble(indexes[f]);
                        out.number(value);
                        primaryValue = value;
                    }
                    case NULLABLE_NUMBER -> {
                        double level = levels[f];
                        double value = level > 0 ? rows.getQuantile(indexes[f], level) : rows.getNullableDouble(indexes[f]);
                        boolean missing = level > 0 ? Double.isNaN(value) : rows.wasNull();
                        if (missing || Double.isNaN(value)) {
                            out.write(NULL);
                        } else {
                            out.number(value);
                        }
                        primaryValue = missing ? 0 : value; // what a getDouble of the primary column gives
                    }
                }
                if (f == primaryField) {
                    columns.primaryLong = primaryLong;
                    columns.primaryDouble = primaryValue;
                }
            }
            out.write(DELTA);
            if (!request.returnDelta()) {
                out.write(NULL);
                out.write(DELTA_PERCENT);
                out.write(NULL);
            } else {
                boolean integer = columns.integerPrimary[m];
                if (rows.getLong(columns.hasPrevious) == 1) {
                    double value = integer ? columns.primaryLong : columns.primaryDouble;
                    double previous = rows.getDouble(columns.previous[m]);
                    double rounded = ResponseValues.round2(value - previous);
                    if (integer) {
                        out.number(columns.primaryLong - rows.getLong(columns.previous[m]));
                    } else {
                        out.number(rounded);
                    }
                    out.write(DELTA_PERCENT);
                    out.number(ResponseValues.percent(rounded, previous));
                } else {
                    if (integer) {
                        out.write('0');
                    } else {
                        out.write(ZERO);
                    }
                    out.write(DELTA_PERCENT);
                    out.write(ZERO);
                }
            }
            out.write('}');
        }
        out.write('}');
        out.write('}');
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** 1-based column indexes of one statement's result and the pre-encoded names, resolved once. */
    static final class Columns {
        final int bucket;
        final int hasData;
        final int hasPrevious;
        final int[] keys = new int[Dimension.values().length];
        final List<MetricDefinition> metrics;
        final byte[][] metricNames;
        final int[][] fields;
        /** Per field, the level read from the sketch in its column, or 0: the column holds the value. */
        final double[][] levels;
        final byte[][][] fieldNames;
        final int[] primaryField;
        final boolean[] integerPrimary;
        final int[] previous;
        long primaryLong;
        double primaryDouble;

        /** @param sketches the statement gives percentiles as their merged sketches (the rollup's answer) */
        Columns(ColumnIndex rows, AnalyticsRequest request, boolean sketches) throws SQLException {
            bucket = rows.find("bucket");
            hasData = rows.find("has_data");
            hasPrevious = request.returnDelta() ? rows.find("has_previous") : 0;
            for (Dimension key : request.groupBy()) {
                keys[key.ordinal()] = rows.find(key.keyAlias());
            }
            metrics = request.metricDefinitions();
            int count = metrics.size();
            metricNames = new byte[count][];
            fields = new int[count][];
            levels = new double[count][];
            fieldNames = new byte[count][][];
            primaryField = new int[count];
            integerPrimary = new boolean[count];
            previous = new int[count];
            for (int m = 0; m < count; m++) {
                MetricDefinition metric = metrics.get(m);
                metricNames[m] = ascii((m == 0 ? "\"" : ",\"") + metric.name() + "\":{");
                List<MetricField> list = metric.fields();
                fields[m] = new int[list.size()];
                levels[m] = new double[list.size()];
                fieldNames[m] = new byte[list.size()][];
                for (int f = 0; f < list.size(); f++) {
                    MetricField field = list.get(f);
                    if (sketches && field.sketched()) {
                        fields[m][f] = rows.find(field.sketch());
                        levels[m][f] = field.level();
                    } else {
                        fields[m][f] = field.kind() == MetricField.Kind.ALWAYS_NULL ? 0 : rows.find(metric.column(field));
                    }
                    fieldNames[m][f] = ascii((f == 0 ? "\"" : ",\"") + field.name() + "\":");
                    if (field.name().equals(metric.primary().name())) {
                        primaryField[m] = f;
                    }
                }
                integerPrimary[m] = metric.primary().kind() == MetricField.Kind.INTEGER;
                previous[m] = request.returnDelta() ? rows.find(metric.previousColumn()) : 0;
            }
        }
    }

    /**
     * A growable byte buffer with the few writes JSON needs. It grows by chunks (each twice the last, up to 4 MB) rather
     * than by copying itself into ever larger arrays: a 22 MB body is then copied once, into the exact-size array
     * {@link #bytes()} returns (or handed over without a copy when it fits the first chunk exactly).
     */
    static final class Out {
        private static final int MAX_CHUNK = 4 * 1024 * 1024;

        private final ArrayList<byte[]> sealed = new ArrayList<>();
        private final ArrayList<Integer> sealedLengths = new ArrayList<>();
        private int sealedTotal;
        private byte[] buf;
        private int count;

        Out(int size) {
            buf = new byte[size];
        }

        /** Makes {@code n} contiguous bytes free at {@code buf[count]}. */
        private void room(int n) {
            if (count + n > buf.length) {
                sealed.add(buf);
                sealedLengths.add(count);
                sealedTotal += count;
                buf = new byte[Math.max(n, Math.min(MAX_CHUNK, buf.length * 2))];
                count = 0;
            }
        }

        void write(int b) {
            room(1);
            buf[count++] = (byte) b;
        }

        void write(byte[] bytes) {
            room(bytes.length);
            System.arraycopy(bytes, 0, buf, count, bytes.length);
            count += bytes.length;
        }

        /** A string known to be ASCII without characters JSON escapes. */
        @SuppressWarnings("deprecation")
        void ascii(String text) {
            int n = text.length();
            room(n);
            text.getBytes(0, n, buf, count);
            count += n;
        }

        void number(long value) {
            if (value >= 0 && value < 10) {
                write('0' + (int) value);
            } else {
                ascii(Long.toString(value));
            }
        }

        /** As Jackson writes a double with the fast writer: NaN and infinities as quoted strings. */
        void number(double value) {
            if (Double.doubleToRawLongBits(value) == 0L) {
                write(ZERO);
            } else if (Double.isNaN(value) || Double.isInfinite(value)) {
                write('"');
                ascii(Double.toString(value));
                write('"');
            } else {
                ascii(NumberOutput.toString(value, true));
            }
        }

        private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

        /** A UUID as {@link UUID#toString()} spells it (lower-case hex, 8-4-4-4-12), without building the string. */
        void uuid(UUID uuid) {
            uuid(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
        }

        /** The UUID of these two halves, as {@link #uuid(UUID)}. */
        void uuid(long msb, long lsb) {
            room(36);
            hex(msb >>> 32, 8);
            buf[count++] = '-';
            hex(msb >>> 16, 4);
            buf[count++] = '-';
            hex(msb, 4);
            buf[count++] = '-';
            hex(lsb >>> 48, 4);
            buf[count++] = '-';
            hex(lsb, 12);
        }

        private void hex(long value, int digits) {
            for (int i = digits - 1; i >= 0; i--) {
                buf[count + i] = HEX[(int) (value & 0xF)];
                value >>>= 4;
            }
            count += digits;
        }

        byte[] bytes() {
            if (sealed.isEmpty()) {
                return count == buf.length ? buf : Arrays.copyOf(buf, count);
            }
            byte[] all = new byte[sealedTotal + count];
            int at = 0;
            for (int i = 0; i < sealed.size(); i++) {
                int length = sealedLengths.get(i);
                System.arraycopy(sealed.get(i), 0, all, at, length);
                at += length;
            }
            System.arraycopy(buf, 0, all, at, count);
            return all;
        }
    }
}
