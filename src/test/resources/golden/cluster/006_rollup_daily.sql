CREATE TABLE IF NOT EXISTS bud.InferenceRollupDaily_local ON CLUSTER budmetrics
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
PARTITION BY toYear(grain)
ORDER BY (project_id, model_id, endpoint_id, grain);

CREATE TABLE IF NOT EXISTS bud.InferenceRollupDaily ON CLUSTER budmetrics AS bud.InferenceRollupDaily_local
ENGINE = Distributed(budmetrics, bud, InferenceRollupDaily_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupDailyFromRollup ON CLUSTER budmetrics TO bud.InferenceRollupDaily_local AS
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
FROM bud.InferenceRollup_local AS r
GROUP BY project_id, model_id, endpoint_id, grain;

INSERT INTO bud.InferenceRollupDaily
SELECT r.project_id, r.model_id, r.endpoint_id, toStartOfDay(r.grain, 'UTC'),
    sum(r.requests), sum(r.successes), sum(r.queuing_ms), sum(r.inferences), sum(r.input_tokens), sum(r.output_tokens),
    sum(r.ttft_ms_sum), sum(r.ttft_ms_count), sumMap(r.ttft_ms_histogram),
    sum(r.response_ms_sum), sum(r.response_ms_count), sumMap(r.response_ms_histogram),
    sum(r.throughput_sum), sum(r.throughput_count), sum(r.cached), sum(r.cached_response_ms_sum), sum(r.cached_response_ms_count)
FROM bud.InferenceRollup AS r
WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'daily') = 0
GROUP BY r.project_id, r.model_id, r.endpoint_id, toStartOfDay(r.grain, 'UTC')
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO bud.RollupBackfill (name)
SELECT 'daily' WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'daily') = 0;

