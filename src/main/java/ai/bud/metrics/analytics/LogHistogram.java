package ai.bud.metrics.analytics;

/**
 * The rollup's percentile sketch: as SQL, a histogram of a UInt32 column over logarithmic bins of ratio
 * {@code γ = (1 + α) / (1 − α)}, α = {@link #ACCURACY} (the bins of a DDSketch). Bin {@code i >= 0} holds the values in
 * {@code (γ^(i−1), γ^i]}; bin −1 holds zeros. A sketch is a {@code Tuple(Array(Int16), Array(UInt64))} of bins and counts,
 * added up with {@code sumMap} (in a {@code SimpleAggregateFunction(sumMap, …)} column of the rollup tables, migrations 004
 * and 006). The service reads the quantile at level q from a merged sketch ({@link #quantile}): the estimate of the bin
 * holding the value of rank ⌊q·(n−1)⌋ (0-based) of the n values added, {@code 2γ^i / (γ + 1)}, within α of every value
 * of that bin, so within α of that order statistic.
 * <p>
 * Why not ClickHouse's {@code quantilesDD}: the same bins, but its states were the largest cost of the dashboard calls
 * (about 50 µs for each group that creates or merges one, measured on the 1M-row bench); {@code sumMap} over short
 * arrays costs a fraction of that. The SQL text of {@link #bin} is repeated verbatim in migration 004's view: the rollup
 * and the raw edges of a statement must bin a value alike.
 */
final class LogHistogram {

    /** The relative accuracy: a percentile from the sketch is within 1 % of the order statistic at its rank. */
    static final double ACCURACY = 0.01;
    /** γ = (1 + α) / (1 − α) = 101 / 99, as the engine computes it (one text for the bins and the estimates). */
    private static final String GAMMA = "(101 / 99)";

    private LogHistogram() {
    }

    /** The bin of a non-null UInt32 {@code value}: −1 for 0, else ⌈log_γ(value)⌉ (an Int16: 4,294,967,295 is bin 1,111). */
    static String bin(String value) {
        return "if(" + value + " = 0, toInt16(-1), toInt16(ceil(log(greatest(" + value + ", 1)) / log" + GAMMA + ")))";
    }

    /** A sketch with nothing in it, of the rollup columns' type: adds nothing where {@code sumMap} merges it. */
    static final String EMPTY = "CAST(([], []), 'Tuple(Array(Int16), Array(UInt64))')";

    /** The sketch of a Nullable(UInt32) column's non-null values, as an aggregate over raw rows. */
    static String of(String column) {
        return "sumMapIf([" + bin("assumeNotNull(" + column + ")") + "], [toUInt64(1)], isNotNull(" + column + "))";
    }

    /** The merged sketch of a rollup column, named {@code alias} for {@link #quantile}: merged once, however many levels are read. */
    static String merged(String column, String alias) {
        return "sumMap(" + column + ") AS " + alias;
    }

    /** γ as a double: the same division the engine does for {@link #GAMMA} and the bins of {@link #bin}. */
    private static final double GAMMA_VALUE = 101.0 / 99.0;

    /**
     * The value at {@code level} (0 to 1) of a merged sketch: its bins ascending ({@code sumMap} gives them so) and their
     * counts, the first {@code length} of each array. The estimate of the first bin whose running count passes the rank
     * ⌊level·(n−1)⌋ of the n values added: {@code 2γ^i / (γ + 1)}, 0 for the zeros' bin; {@code NaN} for an empty sketch.
     * The statement returns the merged sketch and the service reads it here, rather than the statement computing each
     * percentile: the engine's analysis of those expressions, inside the grouped and windowed {@code answer}, cost more
     * than their whole execution (docs/PERFORMANCE.md, run 36).
     */
    static double quantile(short[] bins, long[] counts, int length, double level) {
        long total = 0;
        for (int i = 0; i < length; i++) {
            total += counts[i];
        }
        if (total == 0) {
            return Double.NaN;
        }
        double rank = Math.floor(level * (double) (total - 1));
        long running = 0;
        for (int i = 0; i < length; i++) {
            running += counts[i];
            if ((double) running > rank) {
                return estimate(bins[i]);
            }
        }
        return 0;
    }

    /** The estimate of bin {@code bin}: within α of every value the bin holds; 0 for the zeros' bin (−1). */
    static double estimate(int bin) {
        return bin < 0 ? 0 : 2 * Math.pow(GAMMA_VALUE, bin) / (GAMMA_VALUE + 1);
    }
}
