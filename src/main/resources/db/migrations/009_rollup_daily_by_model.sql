-- The daily tier by model (docs/DATABASE_SCHEMA.md, "Rollups"): InferenceRollupDaily (006) added up per model and UTC day,
-- for the requests grouped by model alone or not grouped, and filtered by model alone or not filtered (RollupPlanner's
-- daily table). A year of one model's traffic is 365 rows here against 365 per project, model and endpoint in
-- InferenceRollupDaily (15 per model in the seeded data), so a dashboard's sketches by model are merged ~15 times fewer:
-- the costly part of a percentile call. Same columns without project and endpoint; fed by a view on InferenceRollupDaily,
-- so it holds whatever reaches the daily tier, and backfilled from it once.
CREATE TABLE IF NOT EXISTS ${database}.InferenceRollupDailyByModel
(
    model_id UUID,
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
ORDER BY (model_id, grain)
SETTINGS merge_selector_base = 20;

-- (columns qualified with r.: an unqualified name would mean the alias of the same name)
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupDailyByModelFromDaily TO ${database}.InferenceRollupDailyByModel AS
SELECT r.model_id AS model_id, r.grain AS grain,
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
FROM ${database}.InferenceRollupDaily AS r
GROUP BY model_id, grain;

-- Backfill: what the daily tier held before the view existed, once (guarded by its RollupBackfill row, written last).
INSERT INTO ${database}.InferenceRollupDailyByModel
SELECT r.model_id, r.grain,
    sum(r.requests), sum(r.successes), sum(r.queuing_ms), sum(r.inferences), sum(r.input_tokens), sum(r.output_tokens),
    sum(r.ttft_ms_sum), sum(r.ttft_ms_count), sumMap(r.ttft_ms_histogram),
    sum(r.response_ms_sum), sum(r.response_ms_count), sumMap(r.response_ms_histogram),
    sum(r.throughput_sum), sum(r.throughput_count), sum(r.cached), sum(r.cached_response_ms_sum), sum(r.cached_response_ms_count)
FROM ${database}.InferenceRollupDaily AS r
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'daily_by_model') = 0
GROUP BY r.model_id, r.grain
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'daily_by_model' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'daily_by_model') = 0;
