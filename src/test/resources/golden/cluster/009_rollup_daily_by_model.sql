CREATE TABLE IF NOT EXISTS bud.InferenceRollupDailyByModel_local ON CLUSTER budmetrics
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(grain)
ORDER BY (model_id, grain)
SETTINGS merge_selector_base = 20;

CREATE TABLE IF NOT EXISTS bud.InferenceRollupDailyByModel ON CLUSTER budmetrics AS bud.InferenceRollupDailyByModel_local
ENGINE = Distributed(budmetrics, bud, InferenceRollupDailyByModel_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupDailyByModelFromDaily ON CLUSTER budmetrics TO bud.InferenceRollupDailyByModel_local AS
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
FROM bud.InferenceRollupDaily_local AS r
GROUP BY model_id, grain;

INSERT INTO bud.InferenceRollupDailyByModel
SELECT r.model_id, r.grain,
    sum(r.requests), sum(r.successes), sum(r.queuing_ms), sum(r.inferences), sum(r.input_tokens), sum(r.output_tokens),
    sum(r.ttft_ms_sum), sum(r.ttft_ms_count), sumMap(r.ttft_ms_histogram),
    sum(r.response_ms_sum), sum(r.response_ms_count), sumMap(r.response_ms_histogram),
    sum(r.throughput_sum), sum(r.throughput_count), sum(r.cached), sum(r.cached_response_ms_sum), sum(r.cached_response_ms_count)
FROM bud.InferenceRollupDaily AS r
WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'daily_by_model') = 0
GROUP BY r.model_id, r.grain
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO bud.RollupBackfill (name)
SELECT 'daily_by_model' WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'daily_by_model') = 0;

