package ai.bud.metrics.analytics;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Builds the one SQL statement that answers an {@link AnalyticsRequest}. Every value of the request is bound once, where
 * it is used, as a named and typed query parameter ({@code {range_from:DateTime64(3, 'UTC')}}, {@code {tz:String}},
 * {@code {bucket_millis:Int64}}, {@code {topk:UInt64}}, each filter list as one {@code {project_ids:Array(UUID)}});
 * identifiers come from {@link Dimension}, {@link MetricRegistry} and {@link BucketExpression}. Shape:
 * <pre>
 * WITH &lt;bound constants&gt;,
 *   base      -- ModelInferenceDetails rows in range and filters, with group keys and bucket
 *   inference -- ModelInference rows within the pair window of the range (only when a metric needs it)
 *   source    -- inference RIGHT ANY JOIN base (a row never disappears), same-second counts as window columns
 *   ranked    -- top-K: series ranked by the first metric over the whole range, first k kept (over the rollup, by a
 *                metric of the details rows alone: from rank_source, the tiers' sums and the edges' base rows)
 *   answer    -- one row per (bucket, series) with every requested metric field, the previous bucket with data of the
 *                series (lagInFrame over WINDOW w, PARTITION BY series ORDER BY bucket) and, top-K, the rank: the kept
 *                series' rows by joining ranked, its one reference
 * SELECT from answer, or from every bucket of the range LEFT JOIN answer when filling gaps,
 * ORDER BY bucket DESC, rank, series ids as text.
 * </pre>
 */
public final class QueryBuilder {

    /** How far apart a ModelInference row's time and its inference's arrival may lie (migration 005 uses the same). */
    static final String PAIR_WINDOW = "INTERVAL 1 DAY";

    private final Clock clock;
    private final long maxExecutionSeconds;
    /** One ClickHouse node: a table read FINAL holds each key once ({@link #dailyPeaks}); on a cluster, once per shard. */
    private final boolean singleNode;
    private final boolean materializeSource;
    private final boolean rollups;

    public QueryBuilder(Clock clock) {
        this(clock, 0, false);
    }

    public QueryBuilder(Clock clock, long maxExecutionSeconds) {
        this(clock, maxExecutionSeconds, false);
    }

    /** Raw rows only: the rollup is never read. */
    public QueryBuilder(Clock clock, long maxExecutionSeconds, boolean materializeSource) {
        this(clock, maxExecutionSeconds, materializeSource, false);
    }

    /**
     * @param maxExecutionSeconds when positive, the statement ends with {@code SETTINGS max_execution_time = N}: the
     *        engine stops the query after N seconds (error 159, TIMEOUT_EXCEEDED). From configuration, never from a request.
     * @param materializeSource with top-K, {@code source} is read twice (ranking, then buckets) and ClickHouse inlines a
     *        CTE at each use, scanning the tables twice; {@code source AS MATERIALIZED} (with {@code enable_materialized_cte},
     *        experimental, ClickHouse 25.x+ and the embedded chDB 26.5) computes it once: top-K dashboard calls took half
     *        the time on the 1M-row benchmark, with identical rows.
     */
    /**
     * @param rollups read the rollup (InferenceRollup, InferenceSecondCounts) where {@link RollupPlanner} allows it
     */
    public QueryBuilder(Clock clock, long maxExecutionSeconds, boolean materializeSource, boolean rollups) {
        this(clock, maxExecutionSeconds, materializeSource, rollups, true);
    }

    /**
     * @param singleNode the tables are on one ClickHouse node (embedded or one server), not Distributed over shards: the
     *        busiest seconds of whole days may then be read from InferenceSecondCountsDaily ({@link #dailyPeaks})
     */
    public QueryBuilder(Clock clock, long maxExecutionSeconds, boolean materializeSource, boolean rollups, boolean singleNode) {
        if (maxExecutionSeconds < 0) {
            throw new IllegalArgumentException("maxExecutionSeconds must not be negative, got " + maxExecutionSeconds);
        }
        this.clock = clock;
        this.maxExecutionSeconds = maxExecutionSeconds;
        this.materializeSource = materializeSource;
        this.rollups = rollups;
        this.singleNode = singleNode;
    }

    public SqlQuery build(AnalyticsRequest request) {
        Map<String, QueryParameter> params = new LinkedHashMap<>();
        List<MetricDefinition> metrics = request.metricDefinitions();
        List<Dimension> keys = request.groupBy();
        boolean inference = metrics.stream().anyMatch(MetricDefinition::needsInference);
        boolean sameSecond = metrics.stream().anyMatch(MetricDefinition::needsSameSecond);
        boolean topk = request.topk() != null;
        MetricDefinition ranking = metrics.get(0);
        Instant end = request.endAt(clock);
        RollupPlan plan = rollups ? RollupPlanner.plan(request, end) : RollupPlan.raw("rollups are off");

        StringBuilder sql = new StringBuilder("WITH\n");
        sql.append("    ").append(bind(params, "range_from", QueryParameter.utcMillis(request.fromDate()))).append(" AS range_from,\n");
        sql.append("    ").append(bind(params, "range_to", QueryParameter.utcMillis(end))).append(" AS range_to,\n");
        sql.append("    ").append(bind(params, "tz", QueryParameter.string(request.timezone() == null ? "UTC" : request.timezone().getId())))
                .append(" AS tz,\n");
        if (request.aligned()) {
            if (request.frequencyUnit().monthBased()) {
                QueryParameter months = QueryParameter.int64((long) request.frequencyInterval() * request.frequencyUnit().months());
                sql.append("    ").append(bind(params, "bucket_months", months)).append(" AS bucket_months,\n");
                sql.append("    toTimeZone(range_from, tz) AS bucket_origin,\n");
            } else {
                QueryParameter millis = QueryParameter.int64(request.frequencyInterval() * request.frequencyUnit().fixedMillis());
                sql.append("    ").append(bind(params, "bucket_millis", millis)).append(" AS bucket_millis,\n");
            }
        }
        if (plan.usesRollup()) {
            sql.append("    ").append(bind(params, "rollup_from", QueryParameter.utcSeconds(plan.rollupFrom()))).append(" AS rollup_from,\n");
            sql.append("    ").append(bind(params, "rollup_to", QueryParameter.utcSeconds(plan.rollupTo()))).append(" AS rollup_to,\n");
        }
        if (plan.usesDays()) {
            sql.append("    ").append(bind(params, "day_from", QueryParameter.utcSeconds(plan.dayFrom()))).append(" AS day_from,\n");
            sql.append("    ").append(bind(params, "day_to", QueryParameter.utcSeconds(plan.dayTo()))).append(" AS day_to,\n");
        }
        Map<Dimension, String> filters = new LinkedHashMap<>();
        for (Map.Entry<Dimension, List<UUID>> filter : request.filters().entrySet()) {
            String column = filter.getKey().column();
            filters.put(filter.getKey(), bind(params, column + "s", QueryParameter.uuids(filter.getValue())));
        }

        Set<RollupColumn> rollupColumns = rollupColumns(metrics);
        // top-K over the rollup: the tiers' sketches are merged for the kept series only (tierSketches)
        boolean sketchesOfRanked = plan.usesRollup() && topk && !ranking.needsSameSecond()
                && rollupColumns.stream().anyMatch(RollupColumn::sketch);
        // top-K over the rollup ranked by a metric of the details rows alone (request_count, success_request,
        // failure_request, queuing_time): the rank reads rank_source, the tiers' sums of its columns and the edges' base
        // rows, instead of source, whose edge part (the ModelInference rows joined, the edges' sketches) the engine would
        // otherwise analyse a second time for ranked (it analyses a CTE again at each reference)
        List<RollupColumn> rankColumns = ranking.rollupInputs().stream().filter(c -> !c.sketch()).toList();
        boolean rankSource = sketchesOfRanked && rankColumns.stream().noneMatch(RollupColumn::needsInference);
        // source read twice (ranked, answer): computed once
        boolean materialized = materializeSource && topk && !rankSource;
        if (plan.usesRollup()) {
            rollupSource(sql, request, plan, rollupColumns, inference, sameSecond, topk && ranking.needsSameSecond(), filters, materialized,
                    dailyPeaks(plan, keys), sketchesOfRanked);
        } else {
            rawSource(sql, request, keys, inference, sameSecond, topk && ranking.needsSameSecond(), filters, materialized);
        }
        boolean fromRollup = plan.usesRollup();

        String keyList = keys.stream().map(Dimension::keyAlias).collect(Collectors.joining(", "));
        String keyText = keys.stream().map(k -> "toString(" + k.keyAlias() + ") ASC").collect(Collectors.joining(", "));
        if (rankSource) {
            rankSource(sql, request, plan, rankColumns, filters);
        }
        if (topk) {
            sql.append("    ranked AS (\n");
            sql.append("        SELECT ").append(keyList).append(", series_rank\n");
            sql.append("        FROM (\n");
            sql.append("            SELECT ").append(keyList).append(", row_number() OVER (ORDER BY rank_value ")
                    .append(ranking.rankOrder().sql()).append(", ").append(keyText).append(") AS series_rank\n");
            sql.append("            FROM (SELECT ").append(keyList).append(", ")
                    .append(fromRollup ? ranking.rollupRankSelectExpression() : ranking.rankSelectExpression())
                    .append(" AS rank_value FROM ").append(rankSource ? "rank_source" : "source").append(" GROUP BY ").append(keyList).append(")\n");
            sql.append("        )\n");
            sql.append("        WHERE series_rank <= ").append(bind(params, "topk", QueryParameter.uint64(request.topk()))).append('\n');
            sql.append("    ),\n");
        }
        if (sketchesOfRanked) {
            tierSketches(sql, request, plan, rollupColumns, filters, sameSecond);
        }

        // answer: one row per bucket and series, with the previous bucket with data of the same series (deltas) as
        // window columns over the aggregates, and the top-K rank; one SELECT, since the engine's analysis of the
        // statement grows with every level of nesting (series, then result, then answer cost ~20 % more at 100M rows)
        sql.append("    answer AS (\n        SELECT bucket");
        for (Dimension key : keys) {
            sql.append(", ").append(key.keyAlias());
        }
        sql.append(topk ? ", series_rank" : ", toUInt64(0) AS series_rank").append(", toUInt8(1) AS has_data");
        if (fromRollup) {
            // each percentile sketch merged once and returned: the service reads the percentile fields from it
            // (LogHistogram.quantile), as the engine's analysis of those expressions here cost more than running them
            rollupColumns.stream().filter(RollupColumn::sketch)
                    .forEach(c -> sql.append(",\n            ").append(LogHistogram.merged(c.column(), RollupColumn.sketchAlias(c.column()))));
        }
        for (MetricDefinition metric : metrics) {
            for (MetricField field : metric.fields()) {
                // over the rollup a percentile is read by the service from its merged sketch, a column of its own above
                if (field.kind() != MetricField.Kind.ALWAYS_NULL && !(fromRollup && field.sketched())) {
                    sql.append(",\n            ").append(fromRollup ? field.rollupSelectExpression() : field.selectExpression())
                            .append(" AS ").append(metric.column(field));
                }
            }
        }
        if (request.returnDelta()) {
            sql.append(",\n            lagInFrame(toUInt8(1)) OVER w AS has_previous");
            for (MetricDefinition metric : metrics) {
                sql.append(",\n            lagInFrame(").append(metric.column(metric.primary())).append(") OVER w AS ").append(metric.previousColumn());
            }
        }
        String rows = sketchesOfRanked ? "(SELECT * FROM source UNION ALL SELECT * FROM sketches)" : "source";
        if (topk) {
            // the kept series' rows, and their rank, by the one reference of ranked
            sql.append("\n        FROM ").append(rows).append(" AS s INNER JOIN ranked AS k USING (").append(keyList).append(")\n");
        } else {
            sql.append("\n        FROM ").append(rows).append('\n');
        }
        sql.append("        GROUP BY bucket").append(keys.isEmpty() ? "" : ", " + keyList).append(topk ? ", series_rank" : "").append('\n');
        if (request.returnDelta()) {
            sql.append("        WINDOW w AS (").append(keys.isEmpty() ? "" : "PARTITION BY " + keyList + " ")
                    .append("ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)\n");
        }
        sql.append("    )\n");

        List<String> columns = new ArrayList<>();
        columns.add("has_data");
        columns.add("series_rank");
        keys.forEach(k -> columns.add(k.keyAlias()));
        for (MetricDefinition metric : metrics) {
            for (MetricField field : metric.fields()) {
                if (fromRollup && field.sketched()) {
                    if (!columns.contains(field.sketch())) {
                        columns.add(field.sketch());
                    }
                } else if (field.kind() != MetricField.Kind.ALWAYS_NULL) {
                    columns.add(metric.column(field));
                }
            }
        }
        if (request.returnDelta()) {
            columns.add("has_previous");
            metrics.forEach(m -> columns.add(m.previousColumn()));
        }
        if (request.fillTimeGaps()) {
            sql.append("SELECT t.bucket AS bucket");
            columns.forEach(c -> sql.append(", a.").append(c).append(" AS ").append(c));
            sql.append("\nFROM (SELECT arrayJoin(").append(BucketExpression.allBuckets(request)).append(") AS bucket) AS t\n");
            sql.append("LEFT JOIN answer AS a ON a.bucket = t.bucket\n");
        } else {
            sql.append("SELECT bucket, ").append(String.join(", ", columns)).append("\nFROM answer\n");
        }
        sql.append("ORDER BY bucket DESC, series_rank ASC");
        if (!keys.isEmpty()) {
            sql.append(", ").append(keyText);
        }
        List<String> settings = new ArrayList<>();
        if (maxExecutionSeconds > 0) {
            settings.add("max_execution_time = " + maxExecutionSeconds);
        }
        if (materialized) {
            settings.add("enable_materialized_cte = 1");
        }
        if (!settings.isEmpty()) {
            sql.append("\nSETTINGS ").append(String.join(", ", settings));
        }
        return new SqlQuery(sql.toString(), params, plan.source());
    }

    /**
     * base (the counted rows, or only those outside the rollup's grains), inference (their ModelInference rows) and the
     * join of the two; {@code windows}: the same-second counts as window columns (the raw answer's source).
     */
    private static void rawRows(StringBuilder sql, AnalyticsRequest request, List<Dimension> keys, boolean inference,
            Map<Dimension, String> filters, String edges) {
        sql.append("    base AS (\n        SELECT d.inference_id AS inference_id,");
        for (Dimension key : keys) {
            sql.append(" d.").append(key.column()).append(" AS ").append(key.keyAlias()).append(',');
        }
        sql.append("\n            ").append(BucketExpression.bucketOf(request, "d.request_arrival_time")).append(" AS bucket,\n");
        sql.append("            d.request_arrival_time AS arrival, d.request_forward_time AS forward, d.is_success AS is_success\n");
        sql.append("        FROM ModelInferenceDetails AS d\n");
        sql.append("        WHERE d.request_arrival_time >= range_from AND d.request_arrival_time <= range_to");
        if (edges != null) {
            sql.append("\n            AND ").append(edges);
        }
        filterClauses(sql, "d", filters);
        sql.append("\n    ),\n");
        if (inference) {
            sql.append("    inference AS (\n");
            sql.append("        SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached, toUInt8(1) AS has_inference\n");
            sql.append("        FROM ModelInference\n");
            // the pair's window: ModelInference's sort key and partitions (by its UUIDv7 time) prune to the days read,
            // instead of every inference_id of the table. No "inference_id IN (SELECT … FROM base)": the join below
            // keeps base as its build side, whose ids the engine applies to this scan as a runtime filter, so base is
            // computed once (an IN subquery computed it a second time, and built a set of its ids besides)
            sql.append("        WHERE ").append(edges == null ? pairWindow("range_from", "range_to")
                    : "(" + pairWindow("range_from", "rollup_from") + " OR " + pairWindow("rollup_to", "range_to") + ")")
                    .append('\n');
            sql.append("    ),\n");
        }
    }

    /**
     * The ModelInference rows looked up for the arrivals in {@code [from, to]}: those whose {@code timestamp} (the call's
     * start, from its UUIDv7 id) lies within {@link #PAIR_WINDOW} of that span, as the rollup's views look them up
     * (migration 005), so raw and rollup answers pair the same rows.
     */
    private static String pairWindow(String from, String to) {
        return "timestamp >= toDateTime(" + from + " - " + PAIR_WINDOW + ", 'UTC') AND timestamp <= toDateTime(" + to + " + "
                + PAIR_WINDOW + ", 'UTC')";
    }

    private static void joinedColumns(StringBuilder sql, List<Dimension> keys, boolean inference) {
        for (Dimension key : keys) {
            sql.append(" b.").append(key.keyAlias()).append(" AS ").append(key.keyAlias()).append(',');
        }
        sql.append(" b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success");
        if (inference) {
            sql.append(",\n            i.input_tokens AS input_tokens, i.output_tokens AS output_tokens, i.response_time_ms AS response_time_ms,");
            sql.append("\n            i.ttft_ms AS ttft_ms, i.cached AS cached, i.has_inference AS has_inference");
        }
    }

    /**
     * {@code base} with its ModelInference rows: {@code inference RIGHT ANY JOIN base}, so every base row stays (once,
     * whatever duplicates ModelInference holds) and base, the smaller side, is the hash table the window's rows probe.
     */
    private static void joinInference(StringBuilder sql, boolean inference) {
        if (inference) {
            sql.append("\n        FROM inference AS i\n");
            sql.append("        RIGHT ANY JOIN base AS b ON i.inference_id = b.inference_id\n");
        } else {
            sql.append("\n        FROM base AS b\n");
        }
    }

    /** source: one row per counted request, never dropped by the join. */
    private static void rawSource(StringBuilder sql, AnalyticsRequest request, List<Dimension> keys, boolean inference,
            boolean sameSecond, boolean sameSecondInRange, Map<Dimension, String> filters, boolean materialized) {
        rawRows(sql, request, keys, inference, filters, null);
        sql.append(materialized ? "    source AS MATERIALIZED (\n        SELECT" : "    source AS (\n        SELECT");
        joinedColumns(sql, keys, inference);
        if (sameSecond) {
            String second = "intDiv(toUnixTimestamp64Milli(b.arrival), 1000)";
            sql.append(",\n            count() OVER (PARTITION BY b.bucket, ").append(prefixed("b.", keys)).append(second).append(") AS same_second");
            if (sameSecondInRange) {
                sql.append(",\n            count() OVER (PARTITION BY ").append(prefixed("b.", keys)).append(second).append(") AS same_second_in_range");
            }
        }
        joinInference(sql, inference);
        sql.append("    ),\n");
    }

    /**
     * Whether the busiest second of each whole UTC day comes from InferenceSecondCountsDaily (migration 007) rather than from
     * adding up InferenceSecondCounts' rows of the day: when the plan reads whole days, the series is the table's whole key
     * (model, project and endpoint: with fewer keys a second's requests must be added up across series, which only the
     * per-second table does cheaply), and the tables are on one node (read FINAL, a key's rows are merged into one, whose
     * map is the day's complete per-second counts; over a Distributed table each shard would merge only its own share).
     */
    private boolean dailyPeaks(RollupPlan plan, List<Dimension> keys) {
        return singleNode && plan.usesDays() && keys.size() == Dimension.values().length;
    }

    /**
     * source from the rollup: one row per bucket and series of partial sums ({@link RollupColumn}) from the grains in
     * [rollup_from, rollup_to), plus (mixed) one from the raw rows outside them; the busiest second of the bucket and
     * series (and of the range) joined from the per-second counts, raw rows' seconds included (a bucket and series without
     * a peak row had no second with more than one request: same_second 0, as concurrent_requests then is).
     */
    private static void rollupSource(StringBuilder sql, AnalyticsRequest request, RollupPlan plan, Set<RollupColumn> columns,
            boolean inference, boolean sameSecond, boolean sameSecondInRange, Map<Dimension, String> filters, boolean materialized,
            boolean dailyPeaks, boolean sketchesOfRanked) {
        List<Dimension> keys = request.groupBy();
        boolean edges = plan.source() == AnswerSource.MIXED;
        boolean edgeInference = inference && columns.stream().anyMatch(RollupColumn::needsInference);
        if (edges) {
            rawRows(sql, request, keys, edgeInference, filters,
                    "(d.request_arrival_time < rollup_from OR d.request_arrival_time >= rollup_to)");
            sql.append("    edge AS (\n        SELECT");
            joinedColumns(sql, keys, edgeInference);
            joinInference(sql, edgeInference);
            sql.append("    ),\n");
        }
        // without concurrent_requests the partial sums are the source itself: a level less for the engine to analyse
        sql.append(sameSecond ? "    parts AS (\n" : materialized ? "    source AS MATERIALIZED (\n" : "    source AS (\n");
        // with sketchesOfRanked the tiers' sketches are left for tierSketches; the edges' stay here (few rows)
        rollupTiers(sql, request, plan, columns, filters,
                c -> sketchesOfRanked && c.sketch() ? LogHistogram.EMPTY : c.fromRollup(), "", true);
        if (edges) {
            edgeSums(sql, keys, columns, "edge", true);
        }
        sql.append("    ),\n");
        if (sameSecond) {
            // only seconds with more than one request can make concurrent_requests non-zero: the others are left out
            // after adding up (a second lies wholly in the grains or wholly in an edge), so few rows reach the buckets
            String groupKeys = keys.stream().map(Dimension::keyAlias).collect(Collectors.joining(", ", "", keys.isEmpty() ? "" : ", "));
            sql.append("    seconds AS (\n        SELECT");
            keys.forEach(k -> sql.append(" c.").append(k.column()).append(" AS ").append(k.keyAlias()).append(','));
            sql.append(" c.second AS second, sum(c.requests) AS requests\n");
            sql.append("        FROM InferenceSecondCounts AS c\n        WHERE ").append(dailyPeaks
                    ? "((c.second >= rollup_from AND c.second < day_from) OR (c.second >= day_to AND c.second < rollup_to))"
                    : "c.second >= rollup_from AND c.second < rollup_to");
            filterClauses(sql, "c", filters);
            sql.append("\n        GROUP BY ").append(groupKeys).append("second\n        HAVING requests > 1\n");
            if (dailyPeaks) {
                // one row per series and day, stamped at the day's start (a UTC midnight, so in the day's bucket)
                sql.append("        UNION ALL\n        SELECT");
                keys.forEach(k -> sql.append(" s.").append(k.column()).append(" AS ").append(k.keyAlias()).append(','));
                sql.append(" s.grain AS second, arrayMax(s.second_counts.2) AS requests\n");
                sql.append("        FROM InferenceSecondCountsDaily AS s FINAL\n        WHERE s.grain >= day_from AND s.grain < day_to");
                filterClauses(sql, "s", filters);
                sql.append("\n            AND requests > 1\n");
            }
            if (edges) {
                sql.append("        UNION ALL\n        SELECT ").append(groupKeys).append("toDateTime(arrival, 'UTC') AS second, count() AS requests\n");
                sql.append("        FROM base\n        GROUP BY ").append(groupKeys).append("second\n        HAVING requests > 1\n");
            }
            sql.append("    ),\n");
            sql.append("    peaks AS (\n        SELECT ").append(BucketExpression.bucketOf(request, "toDateTime64(second, 3, 'UTC')"))
                    .append(" AS bucket").append(aliases(keys)).append(", max(requests) AS same_second\n        FROM seconds\n        GROUP BY bucket")
                    .append(aliases(keys)).append("\n    ),\n");
            if (sameSecondInRange) {
                String keyList = keys.stream().map(Dimension::keyAlias).collect(Collectors.joining(", "));
                sql.append("    range_peaks AS (\n        SELECT ").append(keyList).append(", max(requests) AS same_second_in_range\n");
                sql.append("        FROM seconds\n        GROUP BY ").append(keyList).append("\n    ),\n");
            }
        }
        if (!sameSecond) {
            return;   // the partial sums above are the source
        }
        sql.append(materialized ? "    source AS MATERIALIZED (\n" : "    source AS (\n");
        sql.append("        SELECT p.bucket AS bucket");
        keys.forEach(k -> sql.append(", p.").append(k.keyAlias()).append(" AS ").append(k.keyAlias()));
        columns.forEach(c -> sql.append(", p.").append(c.column()).append(" AS ").append(c.column()));
        sql.append(",\n            k.same_second AS same_second");
        if (sameSecondInRange) {
            sql.append(", q.same_second_in_range AS same_second_in_range");
        }
        sql.append("\n        FROM parts AS p\n");
        sql.append("        LEFT JOIN peaks AS k ON k.bucket = p.bucket");
        keys.forEach(key -> sql.append(" AND k.").append(key.keyAlias()).append(" = p.").append(key.keyAlias()));
        sql.append('\n');
        if (sameSecondInRange) {
            sql.append("        LEFT JOIN range_peaks AS q ON ").append(keys.stream()
                    .map(key -> "q." + key.keyAlias() + " = p." + key.keyAlias()).collect(Collectors.joining(" AND "))).append('\n');
        }
        sql.append("    ),\n");
    }

    /** The rollup columns a statement adds up: the requests, and every input of the requested metrics. */
    private static Set<RollupColumn> rollupColumns(List<MetricDefinition> metrics) {
        Set<RollupColumn> columns = EnumSet.of(RollupColumn.REQUESTS);
        metrics.forEach(m -> columns.addAll(m.rollupInputs()));
        return columns;
    }

    /**
     * rank_source (top-K over the rollup, ranked by a metric of the details rows alone): per series, the tiers' partial
     * sums of the ranking metric's columns over [rollup_from, rollup_to), and the same sums over the edges' base rows
     * (mixed plans), so that ranked adds them up as it would source's.
     */
    private static void rankSource(StringBuilder sql, AnalyticsRequest request, RollupPlan plan, List<RollupColumn> columns,
            Map<Dimension, String> filters) {
        List<Dimension> keys = request.groupBy();
        sql.append("    rank_source AS (\n");
        rollupTiers(sql, request, plan, columns, filters, RollupColumn::fromRollup, "", true, false);
        if (plan.source() == AnswerSource.MIXED) {
            edgeSums(sql, keys, columns, "base", false);
        }
        sql.append("    ),\n");
    }

    /**
     * {@code UNION ALL} the raw edges' partial sums of {@code columns} over {@code rows} (edge, or base when no column
     * needs the ModelInference rows), per bucket and series ({@code bucketed}) or per series alone.
     */
    private static void edgeSums(StringBuilder sql, List<Dimension> keys, Collection<RollupColumn> columns, String rows, boolean bucketed) {
        String groupKeys = groupKeys(keys, bucketed);
        sql.append("        UNION ALL\n        SELECT ").append(groupKeys);
        // named apart from the edge's own columns (output_tokens, cached): UNION ALL takes the first branch's names
        columns.forEach(c -> sql.append(",\n            ").append(c.fromRaw()).append(" AS edge_").append(c.column()));
        sql.append("\n        FROM ").append(rows).append("\n        GROUP BY ").append(groupKeys).append('\n');
    }

    /** {@code "bucket, g_model, g_project"} ({@code bucketed}) or {@code "g_model, g_project"}: a level's grouping keys. */
    private static String groupKeys(List<Dimension> keys, boolean bucketed) {
        List<String> names = new ArrayList<>();
        if (bucketed) {
            names.add("bucket");
        }
        keys.forEach(k -> names.add(k.keyAlias()));
        return String.join(", ", names);
    }

    /**
     * sketches (top-K over the rollup): the percentile sketches of the tiers' grains, one row per grain and series, not
     * merged, with 0 in every other column and in {@code source}'s column order, so that {@code answer} reads
     * {@code source UNION ALL sketches} joined to {@code ranked}: the join keeps the k series' rows, and only theirs are
     * merged. Merging sketches is the costly part of a percentile call (about 0.4 µs per bin, some 175 bins per row);
     * ranking needs none of them (it ranks by a mean or a count), so {@code parts} leaves the tiers' sketches empty.
     * Reading the kept series' rows through the join rather than with {@code IN (SELECT … FROM ranked)} matters: the
     * engine analyses a CTE again at each reference, and {@code ranked} stands on the whole {@code source} chain.
     */
    private static void tierSketches(StringBuilder sql, AnalyticsRequest request, RollupPlan plan, Set<RollupColumn> columns,
            Map<Dimension, String> filters, boolean sameSecond) {
        sql.append("    sketches AS (\n");
        rollupTiers(sql, request, plan, columns, filters, c -> c.sketch() ? "r." + c.column() : "0",
                sameSecond ? ", 0 AS same_second" : "", false);
        sql.append("    ),\n");
    }

    /**
     * The daily tier's table: InferenceRollupDailyByModel (migration 009, one row per model and day) when the request is
     * grouped by model alone or not grouped, and filtered by model alone or not filtered; InferenceRollupDaily (one row
     * per project, model, endpoint and day) otherwise. Fewer rows is fewer sketches to merge: 02's twelve weeks by model
     * merge 420 rows of its five models instead of ~6,200.
     */
    static String dailyTable(AnalyticsRequest request) {
        boolean byModel = request.groupBy().stream().allMatch(d -> d == Dimension.MODEL)
                && request.filters().keySet().stream().allMatch(d -> d == Dimension.MODEL);
        return byModel ? "InferenceRollupDailyByModel" : "InferenceRollupDaily";
    }

    /**
     * The SELECTs of the rollup's tiers, joined by UNION ALL: the whole UTC days from InferenceRollupDaily and the rest of
     * [rollup_from, rollup_to) from InferenceRollup's grains, or all of it from the grains.
     */
    private static void rollupTiers(StringBuilder sql, AnalyticsRequest request, RollupPlan plan, Collection<RollupColumn> columns,
            Map<Dimension, String> filters, Function<RollupColumn, String> value, String extraColumns, boolean grouped) {
        rollupTiers(sql, request, plan, columns, filters, value, extraColumns, grouped, true);
    }

    /** The same, per bucket and series ({@code bucketed}) or per series alone. */
    private static void rollupTiers(StringBuilder sql, AnalyticsRequest request, RollupPlan plan, Collection<RollupColumn> columns,
            Map<Dimension, String> filters, Function<RollupColumn, String> value, String extraColumns, boolean grouped, boolean bucketed) {
        if (plan.usesDays()) {
            rollupPart(sql, request, columns, filters, dailyTable(request), "r.grain >= day_from AND r.grain < day_to",
                    value, extraColumns, grouped, bucketed);
            sql.append("        UNION ALL\n");
            rollupPart(sql, request, columns, filters, "InferenceRollup",
                    "((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))",
                    value, extraColumns, grouped, bucketed);
        } else {
            rollupPart(sql, request, columns, filters, "InferenceRollup", "r.grain >= rollup_from AND r.grain < rollup_to",
                    value, extraColumns, grouped, bucketed);
        }
    }

    /**
     * One SELECT of a rollup tier's grains in {@code grains}: each column's {@code value}, then {@code extraColumns};
     * {@code grouped}: per bucket and series (the values are partial sums), else one row per grain and series.
     */
    private static void rollupPart(StringBuilder sql, AnalyticsRequest request, Collection<RollupColumn> columns,
            Map<Dimension, String> filters, String table, String grains, Function<RollupColumn, String> value,
            String extraColumns, boolean grouped, boolean bucketed) {
        List<Dimension> keys = request.groupBy();
        List<String> selected = new ArrayList<>();
        if (bucketed) {
            selected.add(BucketExpression.bucketOf(request, "toDateTime64(r.grain, 3, 'UTC')") + " AS bucket");
        }
        keys.forEach(k -> selected.add("r." + k.column() + " AS " + k.keyAlias()));
        sql.append("        SELECT ").append(String.join(", ", selected));
        columns.forEach(c -> sql.append(",\n            ").append(value.apply(c)).append(" AS ").append(c.column()));
        sql.append(extraColumns);
        sql.append("\n        FROM ").append(table).append(" AS r\n        WHERE ").append(grains);
        filterClauses(sql, "r", filters);
        sql.append('\n');
        if (grouped) {
            sql.append("        GROUP BY ").append(groupKeys(keys, bucketed)).append('\n');
        }
    }

    /** {@code AND <alias>.<column> IN {<column>s:Array(UUID)}} per filter, each on a line of its own. */
    private static void filterClauses(StringBuilder sql, String alias, Map<Dimension, String> filters) {
        filters.forEach((dimension, placeholder) -> sql.append("\n            AND ").append(alias).append('.').append(dimension.column())
                .append(" IN ").append(placeholder));
    }

    /** {@code ", g_model, g_project"}: the group keys' aliases, each after a comma. */
    private static String aliases(List<Dimension> keys) {
        StringBuilder out = new StringBuilder();
        keys.forEach(k -> out.append(", ").append(k.keyAlias()));
        return out.toString();
    }

    /** Binds {@code value} under {@code name} (once per statement) and gives its placeholder. */
    private static String bind(Map<String, QueryParameter> params, String name, QueryParameter value) {
        if (params.putIfAbsent(name, value) != null) {
            throw new IllegalStateException("the parameter " + name + " is bound twice");
        }
        return value.placeholder(name);
    }

    private static String prefixed(String prefix, List<Dimension> keys) {
        StringBuilder out = new StringBuilder();
        keys.forEach(k -> out.append(prefix).append(k.keyAlias()).append(", "));
        return out.toString();
    }
}
