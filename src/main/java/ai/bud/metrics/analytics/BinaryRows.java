package ai.bud.metrics.analytics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * The rows of a {@code RowBinaryWithNamesAndTypes} answer, decoded from the engine's bytes straight into primitives,
 * one row at a time, for {@link RowJsonWriter}: no object per value, no driver row in between. The header (names and
 * types) is read by {@link #open}; a type this reader does not know is refused there ({@link UnsupportedTypeException}),
 * before any row is read, so the caller can fall back to the JDBC driver.
 *
 * <p>Each value reads as clickhouse-jdbc's getters read it: a number as {@code long} and {@code double} (a float's
 * {@code long} truncated, an unsigned 64-bit value's {@code double} unsigned), a NULL as 0 with {@link #wasNull()}, a
 * UUID or String as its text.
 */
final class BinaryRows implements RowJsonWriter.Rows, RowJsonWriter.RowValues {

    /** How a column is encoded (after unwrapping {@code Nullable} and {@code LowCardinality}). */
    private enum Kind {
        INT8(1), INT16(2), INT32(4), INT64(8), UINT8(1), UINT16(2), UINT32(4), UINT64(8), FLOAT32(4), FLOAT64(8), BOOL(1),
        UUID(16), STRING(-1),
        /** A merged percentile sketch, {@code Tuple(Array(Int16), Array(UInt64))} ({@link LogHistogram}). */
        SKETCH(-1);

        final int width;

        Kind(int width) {
            this.width = width;
        }
    }

    /** A column type outside what {@link BinaryRows} decodes. */
    static final class UnsupportedTypeException extends Exception {
        UnsupportedTypeException(String type) {
            super("no binary decoding for the column type " + type);
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;

    // the header, then the current row: 1-based like JDBC column indexes
    private String[] names;
    private Kind[] kinds;
    private boolean[] nullable;
    private long[] longs;
    private double[] doubles;
    private boolean[] nulls;
    private long[] uuidLow;
    private String[] strings;
    private short[][] sketchBins;
    private long[][] sketchCounts;
    private int[] sketchLengths;
    private boolean wasNull;
    private long readingNanos;

    private BinaryRows(InputStream in) {
        this.in = in;
    }

    /** Reads the header of {@code in}; the rows follow through {@link #next()}. */
    static BinaryRows open(InputStream in) throws IOException, UnsupportedTypeException {
        BinaryRows rows = new BinaryRows(in);
        rows.readHeader();
        return rows;
    }

    private void readHeader() throws IOException, UnsupportedTypeException {
        int count = Math.toIntExact(varint());
        int width = count + 1;
        names = new String[width];
        kinds = new Kind[width];
        nullable = new boolean[width];
        longs = new long[width];
        doubles = new double[width];
        nulls = new boolean[width];
        uuidLow = new long[width];
        strings = new String[width];
        sketchBins = new short[width][];
        sketchCounts = new long[width][];
        sketchLengths = new int[width];
        for (int i = 1; i <= count; i++) {
            names[i] = string();
        }
        for (int i = 1; i <= count; i++) {
            String type = string();
            String inner = type;
            if (inner.startsWith("LowCardinality(") && inner.endsWith(")")) {
                inner = inner.substring("LowCardinality(".length(), inner.length() - 1);
            }
            if (inner.startsWith("Nullable(") && inner.endsWith(")")) {
                nullable[i] = true;
                inner = inner.substring("Nullable(".length(), inner.length() - 1);
            }
            kinds[i] = kindOf(inner, type);
        }
    }

    private static Kind kindOf(String inner, String type) throws UnsupportedTypeException {
        return switch (inner) {
            case "Int8" -> Kind.INT8;
            case "Int16" -> Kind.INT16;
            case "Int32" -> Kind.INT32;
            case "Int64" -> Kind.INT64;
            case "UInt8" -> Kind.UINT8;
            case "UInt16" -> Kind.UINT16;
            case "UInt32" -> Kind.UINT32;
            case "UInt64" -> Kind.UINT64;
            case "Float32" -> Kind.FLOAT32;
            case "Float64" -> Kind.FLOAT64;
            case "Bool" -> Kind.BOOL;
            case "UUID" -> Kind.UUID;
            case "String" -> Kind.STRING;
            case "Tuple(Array(Int16), Array(UInt64))" -> Kind.SKETCH;
            default -> throw new UnsupportedTypeException(type);
        };
    }

    /** The 1-based index of the column named {@code name}. */
    int findColumn(String name) throws SQLException {
        for (int i = 1; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        throw new SQLException("the result has no column " + name);
    }

    @Override
    public boolean next() throws SQLException {
        long before = System.nanoTime();
        try {
            if (pos == limit && !fill()) {
                return false;
            }
            for (int i = 1; i < kinds.length; i++) {
                if (nullable[i]) {
                    need(1);
                    if (buf[pos++] != 0) {
                        nulls[i] = true;
                        longs[i] = 0;
                        doubles[i] = 0;
                        strings[i] = null;
                        continue;
                    }
                    nulls[i] = false;
                }
                decode(i);
            }
            return true;
        } catch (IOException e) {
            throw new SQLException("reading the engine's rows failed: " + e.getMessage(), e);
        } finally {
            readingNanos += System.nanoTime() - before;
        }
    }

    private void decode(int i) throws IOException {
        Kind kind = kinds[i];
        if (kind == Kind.STRING) {
            strings[i] = string();
            return;
        }
        if (kind == Kind.SKETCH) {
            sketch(i);
            return;
        }
        need(kind.width);
        switch (kind) {
            case INT8 -> number(i, buf[pos]);
            case UINT8, BOOL -> number(i, buf[pos] & 0xFF);
            case INT16 -> number(i, (short) le(2));
            case UINT16 -> number(i, le(2) & 0xFFFF);
            case INT32 -> number(i, (int) le(4));
            case UINT32 -> number(i, le(4) & 0xFFFF_FFFFL);
            case INT64 -> number(i, le(8));
            case UINT64 -> {
                long value = le(8);
                longs[i] = value;
                doubles[i] = value >= 0 ? value : unsigned(value);
            }
            case FLOAT32 -> real(i, Float.intBitsToFloat((int) le(4)));
            case FLOAT64 -> real(i, Double.longBitsToDouble(le(8)));
            case UUID -> {
                longs[i] = le(8); // the high half comes first
                uuidLow[i] = leAt(pos + 8);
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        pos += kind.width;
    }

    private void number(int i, long value) {
        longs[i] = value;
        doubles[i] = value;
    }

    private void real(int i, double value) {
        doubles[i] = value;
        longs[i] = (long) value;
    }

    private static double unsigned(long value) {
        return (double) (value >>> 1) * 2.0 + (value & 1);
    }

    private long le(int bytes) {
        long value = 0;
        for (int b = bytes - 1; b >= 0; b--) {
            value = (value << 8) | (buf[pos + b] & 0xFF);
        }
        return value;
    }

    private long leAt(int at) {
        long value = 0;
        for (int b = 7; b >= 0; b--) {
            value = (value << 8) | (buf[at + b] & 0xFF);
        }
        return value;
    }

    /** A length-prefixed UTF-8 string (a column name or type in the header, a String value in a row). */
    private String string() throws IOException {
        int length = Math.toIntExact(varint());
        byte[] bytes = new byte[length];
        int at = 0;
        while (at < length) {
            need(1);
            int n = Math.min(length - at, limit - pos);
            System.arraycopy(buf, pos, bytes, at, n);
            pos += n;
            at += n;
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private long varint() throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            int b = buf[pos++] & 0xFF;
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("malformed length in the engine's rows");
    }

    /** Makes {@code n} bytes available at {@code pos}, or fails: the answer ended inside a row. */
    private void need(int n) throws IOException {
        while (limit - pos < n) {
            if (!fill()) {
                throw new IOException("the answer ended inside a row");
            }
        }
    }

    /** Moves what is left to the front and reads more; false at the end of the stream with nothing read. */
    private boolean fill() throws IOException {
        int left = limit - pos;
        System.arraycopy(buf, pos, buf, 0, left);
        pos = 0;
        limit = left;
        int n = in.read(buf, limit, buf.length - limit);
        if (n <= 0) {
            return false;
        }
        limit += n;
        return true;
    }

    @Override
    public long readingNanos() {
        return readingNanos;
    }

    /** A sketch column's two arrays (RowBinary: each its length as a varint, then its elements little-endian). */
    private void sketch(int i) throws IOException {
        int length = Math.toIntExact(varint());
        if (sketchBins[i] == null || sketchBins[i].length < length) {
            sketchBins[i] = new short[Math.max(length, 256)];
            sketchCounts[i] = new long[Math.max(length, 256)];
        }
        for (int k = 0; k < length; k++) {
            need(2);
            sketchBins[i][k] = (short) le(2);
            pos += 2;
        }
        if (varint() != length) {
            throw new IOException("a sketch's bins and counts differ in length");
        }
        for (int k = 0; k < length; k++) {
            need(8);
            sketchCounts[i][k] = le(8);
            pos += 8;
        }
        sketchLengths[i] = length;
    }

    @Override
    public double getQuantile(int index, double level) {
        if (kinds[index] != Kind.SKETCH) {
            throw new IllegalStateException("column " + names[index] + " is not a sketch");
        }
        return LogHistogram.quantile(sketchBins[index], sketchCounts[index], sketchLengths[index], level);
    }

    @Override
    public long getLong(int index) throws SQLException {
        wasNull = nulls[index];
        long value = longs[index];
        if (value < 0 && kinds[index] == Kind.UINT64) {
            throw new SQLException("the UInt64 value " + Long.toUnsignedString(value) + " of column " + names[index]
                    + " does not fit a long"); // as the driver's getLong
        }
        return value;
    }

    @Override
    public double getDouble(int index) {
        wasNull = nulls[index];
        return doubles[index];
    }

    @Override
    public double getNullableDouble(int index) {
        wasNull = nulls[index];
        return doubles[index];
    }

    @Override
    public boolean wasNull() {
        return wasNull;
    }

    /** A String column's value (null for a NULL). */
    String getString(int index) {
        wasNull = nulls[index];
        return strings[index];
    }

    @Override
    public void writeText(int index, RowJsonWriter.Out out) {
        if (nulls[index]) {
            out.ascii("null");
        } else if (kinds[index] == Kind.UUID) {
            out.uuid(longs[index], uuidLow[index]);
        } else if (kinds[index] == Kind.STRING) {
            out.ascii(strings[index]);
        } else if (kinds[index] == Kind.FLOAT32 || kinds[index] == Kind.FLOAT64) {
            out.ascii(Double.toString(doubles[index]));
        } else {
            out.ascii(Long.toString(longs[index]));
        }
    }
}
