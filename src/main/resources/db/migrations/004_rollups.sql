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

-- What the rollup adds up passes through two Null tables (they store nothing; their views aggregate each block): the
-- counted rows (from the view on ModelInferenceDetails, or from the backfill) and the joined pairs of a
-- ModelInferenceDetails and a ModelInference row (from the views of 005, or from its backfill). So each aggregation is
-- written once, whoever feeds it.
CREATE TABLE IF NOT EXISTS ${database}.InferenceRollupRequests
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    request_arrival_time DateTime64(3),
    request_forward_time DateTime64(3),
    is_success Bool
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS ${database}.InferenceRollupPairs
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    request_arrival_time DateTime64(3),
    input_tokens Nullable(UInt32),
    output_tokens Nullable(UInt32),
    response_time_ms Nullable(UInt32),
    ttft_ms Nullable(UInt32),
    cached Bool
)
ENGINE = Null;

-- The rollup's grains are DateTime (1970 to 2106); the tables' DateTime64(3) reaches 1900-2299. Rows outside the DateTime
-- span stay out of the rollup (an insert of them must not fail); analytics answers 1971-2105 only (SPEC §2's parser).
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupFromRequests TO ${database}.InferenceRollup AS
SELECT project_id, model_id, endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS requests,
    countIf(is_success) AS successes,
    sum(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_ms
FROM ${database}.InferenceRollupRequests
WHERE request_arrival_time >= toDateTime64(0, 3, 'UTC') AND request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, grain;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceSecondCountsFromRequests TO ${database}.InferenceSecondCounts AS
SELECT project_id, model_id, endpoint_id, toDateTime(toUnixTimestamp(request_arrival_time), 'UTC') AS second,
    count() AS requests
FROM ${database}.InferenceRollupRequests
WHERE request_arrival_time >= toDateTime64(0, 3, 'UTC') AND request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, second;

-- (columns qualified with p.: an unqualified name would mean the alias of the same name, e.g. cached = countIf(cached))
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupFromPairs TO ${database}.InferenceRollup AS
SELECT p.project_id AS project_id, p.model_id AS model_id, p.endpoint_id AS endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(p.request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS inferences,
    sum(coalesce(p.input_tokens, 0)) AS input_tokens,
    sum(coalesce(p.output_tokens, 0)) AS output_tokens,
    sum(coalesce(p.ttft_ms, 0)) AS ttft_ms_sum,
    count(p.ttft_ms) AS ttft_ms_count,
    sumMapIf([if(assumeNotNull(p.ttft_ms) = 0, toInt16(-1), toInt16(ceil(log(greatest(assumeNotNull(p.ttft_ms), 1)) / log(101 / 99))))],
        [toUInt64(1)], isNotNull(p.ttft_ms)) AS ttft_ms_histogram,
    sum(coalesce(p.response_time_ms, 0)) AS response_ms_sum,
    count(p.response_time_ms) AS response_ms_count,
    sumMapIf([if(assumeNotNull(p.response_time_ms) = 0, toInt16(-1), toInt16(ceil(log(greatest(assumeNotNull(p.response_time_ms), 1)) / log(101 / 99))))],
        [toUInt64(1)], isNotNull(p.response_time_ms)) AS response_ms_histogram,
    sumIf(toFloat64(assumeNotNull(p.output_tokens)) * 1000 / assumeNotNull(p.response_time_ms),
        isNotNull(p.output_tokens) AND coalesce(p.response_time_ms, 0) > 0) AS throughput_sum,
    countIf(isNotNull(p.output_tokens) AND coalesce(p.response_time_ms, 0) > 0) AS throughput_count,
    countIf(p.cached) AS cached,
    sumIf(coalesce(p.response_time_ms, 0), p.cached) AS cached_response_ms_sum,
    countIf(isNotNull(p.response_time_ms) AND p.cached) AS cached_response_ms_count
FROM ${database}.InferenceRollupPairs AS p
WHERE p.request_arrival_time >= toDateTime64(0, 3, 'UTC') AND p.request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, grain;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupRequestsFromDetails TO ${database}.InferenceRollupRequests AS
SELECT project_id, model_id, endpoint_id, request_arrival_time, request_forward_time, is_success
FROM ${database}.ModelInferenceDetails;

-- Backfill: the rows present before the views existed, once (guarded by its RollupBackfill row, written last).
INSERT INTO ${database}.InferenceRollupRequests
SELECT project_id, model_id, endpoint_id, request_arrival_time, request_forward_time, is_success
FROM ${database}.ModelInferenceDetails
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'details') = 0
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'details' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'details') = 0;
