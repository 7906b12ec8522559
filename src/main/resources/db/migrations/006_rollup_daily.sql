-- The daily tier of the rollup (docs/DATABASE_SCHEMA.md, "Rollups"): InferenceRollup (004) added up per UTC day, for the
-- requests whose buckets start at UTC midnights (day, week, month, quarter, year in UTC; aligned buckets from a UTC
-- midnight): a year of traffic is 365 grains per series here against 35,040 of 15 minutes, so percentile sketches
-- and sums are merged ~96 times fewer. Same columns as InferenceRollup; fed by a view on it, so it holds whatever reaches
-- the 15-minute rollup (its views over both tables and their backfills, whenever 005 runs), and backfilled from it once.
-- (the columns spelled out, as in 004: `CREATE TABLE … AS InferenceRollup` has no cluster form in ClusterSchema)
CREATE TABLE IF NOT EXISTS ${database}.InferenceRollupDaily
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    grain DateTime('UTC'),
    requests SimpleAggregateFunction(sum, UInt64),
    successes SimpleAggregateFunction(sum, UInt64),
    queuing_ms SimpleAggregateFunction(sum, Int64),
    inferences SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    ttft_ms_sum SimpleAggregateFunction(sum, UInt64),
    ttft_ms_count SimpleAggregateFunction(sum, UInt64),
    ttft_ms_histogram SimpleAggregateFunction(sumMap, Tuple(Array(Int16), Array(UInt64))),
    response_ms_sum SimpleAggregateFunction(sum, UInt64),
    response_ms_count SimpleAggregateFunction(sum, UInt64),
    response_ms_histogram SimpleAggregateFunction(sumMap, Tuple(Array(Int16), Array(UInt64))),
    throughput_sum SimpleAggregateFunction(sum, Float64),
    throughput_count SimpleAggregateFunction(sum, UInt64),
    cached SimpleAggregateFunction(sum, UInt64),
    cached_response_ms_sum SimpleAggregateFunction(sum, UInt64),
    cached_response_ms_count SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(grain)
ORDER BY (project_id, model_id, endpoint_id, grain);

-- (columns qualified with r.: an unqualified name would mean the alias of the same name)
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupDailyFromRollup TO ${database}.InferenceRollupDaily AS
SELECT r.project_id AS project_id, r.model_id AS model_id, r.endpoint_id AS endpoint_id,
    toStartOfDay(r.grain, 'UTC') AS grain,
    sum(r.requests) AS requests,
    sum(r.successes) AS successes,
    sum(r.queuing_ms) AS queuing_ms,
    sum(r.inferences) AS inferences,
    sum(r.input_tokens) AS input_tokens,
    sum(r.output_tokens) AS output_tokens,
    sum(r.ttft_ms_sum) AS ttft_ms_sum,
    sum(r.ttft_ms_count) AS ttft_ms_count,
    sumMap(r.ttft_ms_histogram) AS ttft_ms_histogram,
    sum(r.response_ms_sum) AS response_ms_sum,
    sum(r.response_ms_count) AS response_ms_count,
    sumMap(r.response_ms_histogram) AS response_ms_histogram,
    sum(r.throughput_sum) AS throughput_sum,
    sum(r.throughput_count) AS throughput_count,
    sum(r.cached) AS cached,
    sum(r.cached_response_ms_sum) AS cached_response_ms_sum,
    sum(r.cached_response_ms_count) AS cached_response_ms_count
FROM ${database}.InferenceRollup AS r
GROUP BY project_id, model_id, endpoint_id, grain;

-- Backfill: what the 15-minute rollup held before the view existed, once (guarded by its RollupBackfill row, written last).
INSERT INTO ${database}.InferenceRollupDaily
SELECT r.project_id, r.model_id, r.endpoint_id, toStartOfDay(r.grain, 'UTC'),
    sum(r.requests), sum(r.successes), sum(r.queuing_ms), sum(r.inferences), sum(r.input_tokens), sum(r.output_tokens),
    sum(r.ttft_ms_sum), sum(r.ttft_ms_count), sumMap(r.ttft_ms_histogram),
    sum(r.response_ms_sum), sum(r.response_ms_count), sumMap(r.response_ms_histogram),
    sum(r.throughput_sum), sum(r.throughput_count), sum(r.cached), sum(r.cached_response_ms_sum), sum(r.cached_response_ms_count)
FROM ${database}.InferenceRollup AS r
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'daily') = 0
GROUP BY r.project_id, r.model_id, r.endpoint_id, toStartOfDay(r.grain, 'UTC')
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'daily' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'daily') = 0;
