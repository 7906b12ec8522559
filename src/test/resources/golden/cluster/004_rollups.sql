CREATE TABLE IF NOT EXISTS bud.InferenceRollup_local ON CLUSTER budmetrics
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(grain)
ORDER BY (project_id, model_id, endpoint_id, grain);

CREATE TABLE IF NOT EXISTS bud.InferenceRollup ON CLUSTER budmetrics AS bud.InferenceRollup_local
ENGINE = Distributed(budmetrics, bud, InferenceRollup_local, rand());

CREATE TABLE IF NOT EXISTS bud.InferenceSecondCounts_local ON CLUSTER budmetrics
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    second DateTime('UTC'),
    requests UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(second)
ORDER BY (project_id, model_id, endpoint_id, second);

CREATE TABLE IF NOT EXISTS bud.InferenceSecondCounts ON CLUSTER budmetrics AS bud.InferenceSecondCounts_local
ENGINE = Distributed(budmetrics, bud, InferenceSecondCounts_local, rand());

CREATE TABLE IF NOT EXISTS bud.RollupBackfill_local ON CLUSTER budmetrics
(
    name String,
    done_at DateTime64(3) DEFAULT now64(3)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY name;

CREATE TABLE IF NOT EXISTS bud.RollupBackfill ON CLUSTER budmetrics AS bud.RollupBackfill_local
ENGINE = Distributed(budmetrics, bud, RollupBackfill_local, rand());

CREATE TABLE IF NOT EXISTS bud.InferenceRollupRequests ON CLUSTER budmetrics
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    request_arrival_time DateTime64(3),
    request_forward_time DateTime64(3),
    is_success Bool
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS bud.InferenceRollupPairs ON CLUSTER budmetrics
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

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupFromRequests ON CLUSTER budmetrics TO bud.InferenceRollup_local AS
SELECT project_id, model_id, endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS requests,
    countIf(is_success) AS successes,
    sum(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_ms
FROM bud.InferenceRollupRequests
WHERE request_arrival_time >= toDateTime64(0, 3, 'UTC') AND request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, grain;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceSecondCountsFromRequests ON CLUSTER budmetrics TO bud.InferenceSecondCounts_local AS
SELECT project_id, model_id, endpoint_id, toDateTime(toUnixTimestamp(request_arrival_time), 'UTC') AS second,
    count() AS requests
FROM bud.InferenceRollupRequests
WHERE request_arrival_time >= toDateTime64(0, 3, 'UTC') AND request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, second;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupFromPairs ON CLUSTER budmetrics TO bud.InferenceRollup_local AS
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
FROM bud.InferenceRollupPairs AS p
WHERE p.request_arrival_time >= toDateTime64(0, 3, 'UTC') AND p.request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, grain;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupRequestsFromDetails ON CLUSTER budmetrics TO bud.InferenceRollupRequests AS
SELECT project_id, model_id, endpoint_id, request_arrival_time, request_forward_time, is_success
FROM bud.ModelInferenceDetails_local;

INSERT INTO bud.InferenceRollupRequests
SELECT project_id, model_id, endpoint_id, request_arrival_time, request_forward_time, is_success
FROM bud.ModelInferenceDetails
WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'details') = 0
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO bud.RollupBackfill (name)
SELECT 'details' WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'details') = 0;

