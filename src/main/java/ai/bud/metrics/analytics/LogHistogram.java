package ai.bud.metrics.analytics;

/**
 * The rollup's percentile sketch, as SQL: a histogram of a UInt32 column over logarithmic bins of ratio
 * {@code γ = (1 + α) / (1 − α)}, α = {@link #ACCURACY} (the bins of a DDSketch). Bin {@code i >= 0} holds the values in
 * {@code (γ^(i−1), γ^i]}; bin −1 holds zeros. A sketch is a {@code Tuple(Array(Int16), Array(UInt64))} of bins and counts,
 * added up with {@code sumMap} (in a {@code SimpleAggregateFunction(sumMap, …)} column of the rollup tables, migrations 004
 * and 006). The quantile at level q is read from the bin holding the value of rank ⌊q·(n−1)⌋ (0-based) of the n values
 * added: {@code 2γ^i / (γ + 1)}, within α of every value of that bin, so within α of that order statistic.
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

    /**
     * The value at {@code level} (0 to 1) of the sketch named {@code sketch}: the estimate of the first bin whose running
     * count passes the rank (an empty sketch gives index 0, whose element is the default 0).
     */
    static String quantile(String sketch, String level) {
        String rank = "floor(" + level + " * (arraySum(" + sketch + ".2) - 1))";
        return "arrayElement(arrayMap(b -> if(b < 0, 0, 2 * pow(" + GAMMA + ", b) / (" + GAMMA + " + 1)), " + sketch + ".1), "
                + "arrayFirstIndex(c -> c > " + rank + ", arrayCumSum(" + sketch + ".2)))";
    }
}
