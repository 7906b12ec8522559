package ai.bud.metrics.bench;

import java.util.Locale;

/**
 * Which targets the bench judges, by the rows the table holds when it starts: those the issues set at 1M rows (issue 6's
 * heavy call, sizes and mix; issue 13's ingest ratios and stream rate), or those issue 13 sets at 100M rows (the examples,
 * the mix's p95 and errors, the heavy call within 1.5 s, HTTP ingest while the rollup is fed). A table in between is
 * judged by the nearer set on a logarithmic scale (10M rows and more: the 100M set).
 */
enum Scale {
    ONE_MILLION("1M"), HUNDRED_MILLION("100M");

    private static final long HUNDRED_MILLION_FROM = 10_000_000L;

    private final String label;

    Scale(String label) {
        this.label = label;
    }

    static Scale of(long rows) {
        return rows >= HUNDRED_MILLION_FROM ? HUNDRED_MILLION : ONE_MILLION;
    }

    /** The note under the targets table: which set, and why. */
    String note(long rows) {
        return String.format(Locale.ROOT, "targets: those set at %s rows (ModelInferenceDetails held %,d rows when the bench started)",
                label, rows);
    }

    /** The heavy call end to end: under 1 s at 1M rows, at most 1.5 s at 100M. */
    void heavyCall(BenchCommand.Report report, double endToEndNanos) {
        if (this == ONE_MILLION) {
            report.target("heavy call end to end < 1 s", BenchCommand.ms(endToEndNanos), endToEndNanos < 1e9);
        } else {
            report.target("heavy call end to end <= 1.5 s (at 100M rows)", BenchCommand.ms(endToEndNanos), endToEndNanos <= 1.5e9);
        }
    }

    /** The heavy call's server time at most 1.3 x the engine's for its SQL: a target at 1M rows only. */
    void serverRatio(BenchCommand.Report report, double serverNanos, double engineNanos) {
        if (this == ONE_MILLION) {
            double ratio = serverNanos / engineNanos;
            report.target("heavy call server time <= 1.3 x the engine's time for its SQL", String.format(Locale.ROOT, "%.2f x (%s / %s)",
                    ratio, BenchCommand.ms(serverNanos), BenchCommand.ms(engineNanos)), ratio <= 1.3);
        }
    }

    /** The heavy answer with br within 143 KB: a target at 1M rows only. */
    void brSize(BenchCommand.Report report, long bytes) {
        if (this == ONE_MILLION) {
            report.target("heavy response with br <= 143 KB", String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0), bytes <= 143 * 1024);
        }
    }

    /** The dashboard mix: at 1M rows 0 errors, and 100 requests/s with p95 within 300 ms; at 100M p95 within 1 s with 0 errors. */
    void mix(BenchCommand.Report report, long errors, long calls, double throughput, Double p95Nanos) {
        String measured = String.format(Locale.ROOT, "%.1f requests/s, p95 %s", throughput, p95Nanos == null ? "-" : BenchCommand.ms(p95Nanos));
        if (this == ONE_MILLION) {
            report.target("zero errors under the mix", errors + " errors in " + BenchCommand.number(calls) + " calls", errors == 0);
            report.target("dashboard mix >= 100 requests/s and p95 <= 300 ms", measured, p95Nanos != null && throughput >= 100 && p95Nanos <= 300e6);
        } else {
            report.target("dashboard mix p95 <= 1 s and zero errors (at 100M rows)", measured + ", " + errors + " errors in "
                    + BenchCommand.number(calls) + " calls", p95Nanos != null && p95Nanos <= 1e9 && errors == 0);
        }
    }

    /**
     * HTTP bulk ingest: 50,000 events/s at either size (at 100M while the rollup is fed); at 1M also half the raw JDBC
     * floor (issue 6) and half the engine's own RowBinary insert (issue 13). Null rates: not measured.
     */
    void httpIngest(BenchCommand.Report report, Double http, Double jdbc, Double rowBinary) {
        String rate = "ingest over HTTP bulk >= 50,000 events/s" + (this == HUNDRED_MILLION ? " (at 100M rows, the rollup fed)" : "");
        report.target(rate, http == null ? "skipped" : BenchCommand.number(http) + " events/s", http == null ? null : http >= 50_000);
        if (this == HUNDRED_MILLION) {
            return;
        }
        if (http != null && jdbc != null) {
            report.target("ingest over HTTP bulk >= 0.5 x raw JDBC", String.format(Locale.ROOT, "%.2f x", http / jdbc), http >= 0.5 * jdbc);
        }
        report.target("HTTP bulk ingest >= 0.5 x the engine's RowBinary insert", http == null || rowBinary == null ? "skipped"
                : String.format(Locale.ROOT, "%.2f x (%s / %s events/s)", http / rowBinary, BenchCommand.number(http),
                        BenchCommand.number(rowBinary)), http == null || rowBinary == null ? null : http >= 0.5 * rowBinary);
    }

    /** Stream ingest, 50,000 events/s: a target at 1M rows (issue 13); null: not measured (no consumer, or incomplete). */
    void streamIngest(BenchCommand.Report report, Double rate) {
        if (this == ONE_MILLION) {
            report.target("ingest from the Redis stream >= 50,000 events/s", rate == null ? "not measured" : BenchCommand.number(rate) + " events/s",
                    rate == null ? null : rate >= 50_000);
        }
    }
}
