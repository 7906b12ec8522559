package ai.bud.metrics.analytics;

import com.clickhouse.client.api.data_formats.ClickHouseFormatReader;
import com.clickhouse.jdbc.ResultSetImpl;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.NumberOutput;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Writes the SPEC section 2 response straight from the rows of {@link QueryBuilder}'s statement to JSON bytes, in one
 * pass and without intermediate objects: the streaming twin of {@link ResultShaper} + {@link ResponseWriter} (which
 * build records first, then use Jackson; a test keeps both byte-for-byte equal).
 *
 * <p>Why not Jackson here: every name in this document is a constant (field, metric and dimension names from the
 * registries) and every string value is ASCII that needs no escaping (UUIDs as ClickHouse prints them, bucket times
 * from a fixed pattern), so the constant parts are pre-encoded once and the values are copied; numbers use Jackson's own
 * formatting ({@link NumberOutput}, the fast double writer), so the text is the same. On the heavy reference call
 * (107k series rows, 22 MB) this halved the time of writing JSON. Columns are resolved to indexes once.
 *
 * <p>It also splits its time: {@link Timing#readNanos} is spent in the driver's {@code next()} (reading and decoding
 * the engine's rows) — when a second thread reads them ({@link RowPipe}), the wall time until it has read the last
 * row, writing going on meanwhile — the rest of {@link Timing#totalNanos} is writing the JSON that remained.
 */
public final class RowJsonWriter {

    /** The Jackson settings {@link ResponseWriter} uses: numbers formatted alike in both paths. */
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

    /**
     * How the rows are read: {@link #GETTERS} every value through the JDBC getters; {@link #DIRECT} the driver's decoded
     * row by index, on the writing thread; {@link #PIPELINED} as DIRECT, but a second thread runs the driver's
     * {@code next()} and copies the values while this one writes JSON (see {@link RowPipe}). The text is the same in
     * all three (tests compare them byte for byte); PIPELINED falls back to DIRECT, and DIRECT to GETTERS, where the
     * driver's row cannot be reached.
     */
    enum Mode { GETTERS, DIRECT, PIPELINED }

    public static Result toBytes(ResultSet rows, AnalyticsRequest request) throws SQLException {
        return toBytes(rows, request, Mode.PIPELINED);
    }

    static Result toBytes(ResultSet rows, AnalyticsRequest request, boolean direct) throws SQLException {
        return toBytes(rows, request, direct ? Mode.DIRECT : Mode.GETTERS);
    }

    static Result toBytes(ResultSet rows, AnalyticsRequest request, Mode mode) throws SQLException {
        Out out = new Out(64 * 1024);
        Values values = mode == Mode.GETTERS ? Values.throughGetters(rows) : Values.of(rows);
        Columns columns = new Columns(rows::findColumn, request);
        Timing timing;
        if (mode == Mode.PIPELINED && values.direct()) {
            try (RowPipe pipe = RowPipe.start(rows, values, columns.reads())) {
                timing = write(pipe, request, out, values, columns);
            }
        } else {
            timing = write(new Cursor(rows), request, out, values, columns);
        }
        return new Result(out.bytes(), timing);
    }

    /** Where the rows come from: the result set itself, or the {@link RowPipe} fed by a second thread. */
    interface Rows {
        /** Moves to the next row (the values then read it); false at the end. */
        boolean next() throws SQLException;

        /** Nanoseconds spent reading rows that the writing did not overlap. */
        long readingNanos(long start);
    }

    private static final class Cursor implements Rows {
        private final ResultSet rows;
        private long reading;

        Cursor(ResultSet rows) {
            this.rows = rows;
        }

        @Override
        public boolean next() throws SQLException {
            long before = System.nanoTime();
            boolean more = rows.next();
            reading += System.nanoTime() - before;
            return more;
        }

        @Override
        public long readingNanos(long start) {
            return reading;
        }
    }

    /** The service's path: rows decoded from the engine's RowBinary answer ({@link BinaryRows}). */
    static Result toBytes(BinaryRows rows, AnalyticsRequest request) throws SQLException {
        Out out = new Out(64 * 1024);
        Timing timing = write(rows, request, out, rows, new Columns(rows::findColumn, request));
        return new Result(out.bytes(), timing);
    }

    /** The values of the current row, by 1-based column index, as the JDBC getters give them. */
    interface RowValues {
        long getLong(int index) throws SQLException;

        double getDouble(int index) throws SQLException;

        /** As {@link ResultSet#getDouble(int)} followed by {@link #wasNull()}: 0 and null for a NULL. */
        double getNullableDouble(int index) throws SQLException;

        boolean wasNull();

        /** The column's text (a UUID or a String, ASCII needing no escapes) appended to {@code out}. */
        void writeText(int index, Out out) throws SQLException;
    }

    /** Finds a column's 1-based index by its name. */
    interface ColumnIndex {
        int find(String name) throws SQLException;
    }

    private static Timing write(Rows rows, AnalyticsRequest request, Out out, RowValues values, Columns columns) throws SQLException {
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
                out.ascii(ResultShaper.timePeriod(bucket, request.timezone()));
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
        return new Timing(Math.min(total, rows.readingNanos(start)), total);
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
                        double value = rows.getNullableDouble(indexes[f]);
                        boolean missing = rows.wasNull();
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
                    double rounded = ResultShaper.round2(value - previous);
                    if (integer) {
                        out.number(columns.primaryLong - rows.getLong(columns.previous[m]));
                    } else {
                        out.number(rounded);
                    }
                    out.write(DELTA_PERCENT);
                    out.number(ResultShaper.percent(rounded, previous));
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
        final byte[][][] fieldNames;
        final int[] primaryField;
        final boolean[] integerPrimary;
        final int[] previous;
        long primaryLong;
        double primaryDouble;

        /**
         * Per column index, how the writer reads it: a mask of {@link Values#LONG}, {@link Values#DOUBLE},
         * {@link Values#NULLABLE_DOUBLE} and {@link Values#TEXT} bits (0: not read).
         */
        int[] reads() {
            int[] reads = new int[width()];
            reads[bucket] |= 1 << Values.LONG;
            reads[hasData] |= 1 << Values.LONG;
            if (hasPrevious > 0) {
                reads[hasPrevious] |= 1 << Values.LONG;
            }
            for (int key : keys) {
                if (key > 0) {
                    reads[key] |= 1 << Values.TEXT;
                }
            }
            for (int m = 0; m < fields.length; m++) {
                List<MetricField> list = metrics.get(m).fields();
                for (int f = 0; f < list.size(); f++) {
                    int index = fields[m][f];
                    switch (list.get(f).kind()) {
                        case INTEGER -> reads[index] |= 1 << Values.LONG;
                        case NUMBER -> reads[index] |= 1 << Values.DOUBLE;
                        case NULLABLE_NUMBER -> reads[index] |= 1 << Values.NULLABLE_DOUBLE;
                        case ALWAYS_NULL -> { }
                    }
                }
                if (previous[m] > 0) {
                    reads[previous[m]] |= (1 << Values.DOUBLE) | (integerPrimary[m] ? 1 << Values.LONG : 0);
                }
            }
            return reads;
        }

        private int width() {
            int max = Math.max(bucket, Math.max(hasData, hasPrevious));
            for (int key : keys) {
                max = Math.max(max, key);
            }
            for (int m = 0; m < fields.length; m++) {
                for (int index : fields[m]) {
                    max = Math.max(max, index);
                }
                max = Math.max(max, previous[m]);
            }
            return max + 1;
        }

        Columns(ColumnIndex rows, AnalyticsRequest request) throws SQLException {
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
            fieldNames = new byte[count][][];
            primaryField = new int[count];
            integerPrimary = new boolean[count];
            previous = new int[count];
            for (int m = 0; m < count; m++) {
                MetricDefinition metric = metrics.get(m);
                metricNames[m] = ascii((m == 0 ? "\"" : ",\"") + metric.name() + "\":{");
                List<MetricField> list = metric.fields();
                fields[m] = new int[list.size()];
                fieldNames[m] = new byte[list.size()][];
                for (int f = 0; f < list.size(); f++) {
                    MetricField field = list.get(f);
                    fields[m][f] = field.kind() == MetricField.Kind.ALWAYS_NULL ? 0 : rows.find(metric.column(field));
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
     * The values of the current row. clickhouse-jdbc 0.10's getters by index translate the index to the column's name
     * and back on every call ({@code ResultSetImpl.getLong(int)} → {@code columnIndexToName} → {@code getLong(String)}
     * → two hash lookups in the reader, then a per-column converter map), about a third of the time spent writing the
     * heavy reference call's JSON. The driver has already decoded the row into objects; when the result set is the
     * driver's own ({@code com.clickhouse.jdbc.ResultSetImpl}), this reads those objects by index from its
     * {@link ClickHouseFormatReader} ({@code readValue(int)}: an array access) and converts the usual boxes itself
     * exactly as the driver would ({@link Number#longValue()} / {@link Number#doubleValue()}, {@link UUID#toString()}
     * digits). Anything else — another driver, a field the reflection cannot reach, a value of another class, a NULL
     * where a number is asked for — goes through the JDBC getter, so the text never changes.
     */
    static final class Values implements RowValues {
        private static final VarHandle READER = readerHandle();

        /** Ways a column is read (bit numbers in {@link Columns#reads()}, slots in a copied row). */
        static final int LONG = 0;
        static final int DOUBLE = 1;
        static final int NULLABLE_DOUBLE = 2;
        static final int TEXT = 3;
        private static final int SLOTS = 4;

        private final ResultSet rows;
        private final ClickHouseFormatReader reader;
        private boolean wasNull;
        /** A row copied by {@link #copy} (pipelined reading), or null: the driver's current row. */
        private Object[] copied;

        private Values(ResultSet rows, ClickHouseFormatReader reader) {
            this.rows = rows;
            this.reader = reader;
        }

        static Values of(ResultSet rows) {
            return new Values(rows, readerOf(rows));
        }

        static Values throughGetters(ResultSet rows) {
            return new Values(rows, null);
        }

        /** Whether values are read from the driver's decoded row (else every value goes through the JDBC getters). */
        boolean direct() {
            return reader != null;
        }

        private static VarHandle readerHandle() {
            try {
                return MethodHandles.privateLookupIn(ResultSetImpl.class, MethodHandles.lookup())
                        .findVarHandle(ResultSetImpl.class, "reader", ClickHouseFormatReader.class);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return null; // another driver version: the JDBC getters it is
            }
        }

        private static ClickHouseFormatReader readerOf(ResultSet rows) {
            if (READER == null) {
                return null;
            }
            try {
                if (!rows.isWrapperFor(ResultSetImpl.class)) {
                    return null;
                }
                return (ClickHouseFormatReader) READER.get(rows.unwrap(ResultSetImpl.class));
            } catch (SQLException | RuntimeException e) {
                return null;
            }
        }

        /**
         * On the reading thread, with the driver's row current: what each read the writer will make of each column
         * answers ({@code reads}: {@link Columns#reads()}), computed by the same reads the writer makes of the driver's
         * row ({@code readLong} …) — so the copy reads exactly as the row would, failures included (kept and thrown
         * where the writer reads).
         */
        Object[] copy(int[] reads) {
            Object[] row = new Object[reads.length * SLOTS];
            for (int index = 1; index < reads.length; index++) {
                int mask = reads[index];
                if (mask == 0) {
                    continue;
                }
                int base = index * SLOTS;
                for (int kind = 0; kind < SLOTS; kind++) {
                    if ((mask & (1 << kind)) != 0) {
                        try {
                            row[base + kind] = read(kind, index);
                        } catch (SQLException | RuntimeException e) {
                            row[base + kind] = e;
                        }
                    }
                }
            }
            return row;
        }

        /** One read, boxed as the slot holds it (a Long, a Double; the nullable and text reads are objects already). */
        private Object read(int kind, int index) throws SQLException {
            if (kind == LONG) {
                return Long.valueOf(readLong(index));
            }
            if (kind == DOUBLE) {
                return Double.valueOf(readDouble(index));
            }
            return kind == NULLABLE_DOUBLE ? readNullableDouble(index) : readText(index);
        }

        /** From now on the values are read from {@code row} (a {@link #copy}), or from the driver again when null. */
        void use(Object[] row) {
            this.copied = row;
        }

        private Object slot(int index, int kind) throws SQLException {
            Object value = copied[index * SLOTS + kind];
            if (value instanceof SQLException e) {
                throw e;
            }
            if (value instanceof RuntimeException e) {
                throw e;
            }
            if (value == null) {
                throw new IllegalStateException("column " + index + " was not copied for this read");
            }
            return value;
        }

        @Override
        public long getLong(int index) throws SQLException {
            return copied != null ? (Long) slot(index, LONG) : readLong(index);
        }

        @Override
        public double getDouble(int index) throws SQLException {
            return copied != null ? (Double) slot(index, DOUBLE) : readDouble(index);
        }

        /** As {@link ResultSet#getDouble(int)} followed by {@link #wasNull()}: 0 and null for a NULL. */
        @Override
        public double getNullableDouble(int index) throws SQLException {
            Object value = copied != null ? slot(index, NULLABLE_DOUBLE) : readNullableDouble(index);
            wasNull = value == NULL_VALUE;
            return wasNull ? 0 : (Double) value;
        }

        @Override
        public boolean wasNull() {
            return wasNull;
        }

        /** The column's text (a UUID or a String, ASCII needing no escapes) appended to {@code out}. */
        @Override
        public void writeText(int index, Out out) throws SQLException {
            Object value = copied != null ? slot(index, TEXT) : readText(index);
            if (value instanceof UUID uuid) {
                out.uuid(uuid);
            } else if (value instanceof String text) {
                out.ascii(text);
            } else {
                out.ascii(((Text) value).value());
            }
        }

        /*
         * The reads of the driver's current row. They keep no state of their own (the reading thread of a RowPipe
         * runs them while the writing thread reads copies through the methods above).
         */

        private long readLong(int index) throws SQLException {
            if (reader != null) {
                Object value = reader.readValue(index);
                if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    return ((Number) value).longValue();
                }
            }
            return rows.getLong(index);
        }

        private double readDouble(int index) throws SQLException {
            if (reader != null) {
                Object value = reader.readValue(index);
                if (value instanceof Double || value instanceof Long || value instanceof Integer || value instanceof Short
                        || value instanceof Byte) {
                    return ((Number) value).doubleValue();
                }
            }
            return rows.getDouble(index);
        }

        /** A {@link Double}, or {@link #NULL_VALUE} for a NULL. */
        private Object readNullableDouble(int index) throws SQLException {
            if (reader != null) {
                Object value = reader.readValue(index);
                if (value == null) {
                    return NULL_VALUE;
                }
                if (value instanceof Double || value instanceof Long || value instanceof Integer || value instanceof Short
                        || value instanceof Byte) {
                    return ((Number) value).doubleValue();
                }
            }
            double value = rows.getDouble(index);
            return rows.wasNull() ? NULL_VALUE : (Object) value;
        }

        /** A {@link UUID} or {@link String} as the driver decoded it, else the getter's text as a {@link Text}. */
        private Object readText(int index) throws SQLException {
            if (reader != null) {
                Object value = reader.readValue(index);
                if (value instanceof UUID || value instanceof String) {
                    return value;
                }
            }
            return new Text(rows.getString(index));
        }

        /** A NULL in a nullable-number read. */
        private static final Object NULL_VALUE = new Object();

        /** A column's text as the JDBC getter gave it (possibly null). */
        private record Text(String value) {
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
