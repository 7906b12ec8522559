-- Rollups (docs/DATABASE_SCHEMA.md, "Rollups"): pre-aggregated ModelInferenceDetails per project, model, endpoint and
-- 15-minute grain (every bucket the API allows starts on a 15-minute boundary: whole hours, and zone offsets that are
-- multiples of 15 minutes, :30 and :45 included), fed on insert by materialized views and backfilled once.
-- The ModelInference part of the rollup (tokens, latencies, cache) is fed by 005_rollup_inference.sql.
CREATE TABLE IF NOT EXISTS ${database}.InferenceRollup
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
    ttft_ms_quantiles AggregateFunction(quantilesDD(0.01, 0.95, 0.99), UInt32),
    response_ms_sum SimpleAggregateFunction(sum, UInt64),
    response_ms_count SimpleAggregateFunction(sum, UInt64),
    response_ms_quantiles AggregateFunction(quantilesDD(0.01, 0.95, 0.99), UInt32),
    throughput_sum SimpleAggregateFunction(sum, Float64),
    throughput_count SimpleAggregateFunction(sum, UInt64),
    cached SimpleAggregateFunction(sum, UInt64),
    cached_response_ms_sum SimpleAggregateFunction(sum, UInt64),
    cached_response_ms_count SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(grain)
ORDER BY (project_id, model_id, endpoint_id, grain);

-- Requests per arrival second: concurrent_requests is the busiest second of a series in a bucket, and one second's
-- rows may come in several inserts, so the count per second is summed here and its maximum taken when read.
CREATE TABLE IF NOT EXISTS ${database}.InferenceSecondCounts
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    second DateTime('UTC'),
    requests UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(second)
ORDER BY (project_id, model_id, endpoint_id, second);

-- One row per backfill that completed: a migration run again does not count the same rows twice.
CREATE TABLE IF NOT EXISTS ${database}.RollupBackfill
(
    name String,
    done_at DateTime64(3) DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY name;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupFromDetails TO ${database}.InferenceRollup AS
SELECT project_id, model_id, endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS requests,
    countIf(is_success) AS successes,
    sum(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_ms
FROM ${database}.ModelInferenceDetails
GROUP BY project_id, model_id, endpoint_id, grain;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceSecondCountsFromDetails TO ${database}.InferenceSecondCounts AS
SELECT project_id, model_id, endpoint_id, toDateTime(toUnixTimestamp(request_arrival_time), 'UTC') AS second,
    count() AS requests
FROM ${database}.ModelInferenceDetails
GROUP BY project_id, model_id, endpoint_id, second;

-- Backfill: the rows present before the views existed, once (guarded by its RollupBackfill row, written last).
INSERT INTO ${database}.InferenceRollup (project_id, model_id, endpoint_id, grain, requests, successes, queuing_ms)
SELECT project_id, model_id, endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS requests,
    countIf(is_success) AS successes,
    sum(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_ms
FROM ${database}.ModelInferenceDetails
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'details') = 0
GROUP BY project_id, model_id, endpoint_id, grain
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.InferenceSecondCounts (project_id, model_id, endpoint_id, second, requests)
SELECT project_id, model_id, endpoint_id, toDateTime(toUnixTimestamp(request_arrival_time), 'UTC') AS second, count() AS requests
FROM ${database}.ModelInferenceDetails
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'details') = 0
GROUP BY project_id, model_id, endpoint_id, second
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'details' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'details') = 0;
