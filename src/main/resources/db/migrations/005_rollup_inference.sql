-- requires: ModelInference
-- The ModelInference part of InferenceRollup (004): tokens, TTFT, latency, throughput, cache. A ModelInference row has
-- no project, model or endpoint id, and the gateway writes it independently of ModelInferenceDetails, in either
-- order. So each side has a view that looks up the other table for the ids of its inserted block: whichever row is
-- stored second contributes the pair (docs/DATABASE_SCHEMA.md, "How the ModelInference part is fed"). Runs only
-- where ModelInference exists (the gateway's table); a later run after it appears creates the views and backfills.
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupOnDetails TO ${database}.InferenceRollup AS
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(d.request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS inferences,
    sum(coalesce(i.input_tokens, 0)) AS input_tokens,
    sum(coalesce(i.output_tokens, 0)) AS output_tokens,
    sum(coalesce(i.ttft_ms, 0)) AS ttft_ms_sum,
    count(i.ttft_ms) AS ttft_ms_count,
    quantilesDDStateIf(0.01, 0.95, 0.99)(assumeNotNull(i.ttft_ms), isNotNull(i.ttft_ms)) AS ttft_ms_quantiles,
    sum(coalesce(i.response_time_ms, 0)) AS response_ms_sum,
    count(i.response_time_ms) AS response_ms_count,
    quantilesDDStateIf(0.01, 0.95, 0.99)(assumeNotNull(i.response_time_ms), isNotNull(i.response_time_ms)) AS response_ms_quantiles,
    sumIf(toFloat64(assumeNotNull(i.output_tokens)) * 1000 / assumeNotNull(i.response_time_ms),
        isNotNull(i.output_tokens) AND coalesce(i.response_time_ms, 0) > 0) AS throughput_sum,
    countIf(isNotNull(i.output_tokens) AND coalesce(i.response_time_ms, 0) > 0) AS throughput_count,
    countIf(i.cached) AS cached,
    sumIf(coalesce(i.response_time_ms, 0), i.cached) AS cached_response_ms_sum,
    countIf(isNotNull(i.response_time_ms) AND i.cached) AS cached_response_ms_count
FROM ${database}.ModelInferenceDetails AS d
INNER ANY JOIN (
    SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached
    FROM ${database}.ModelInference
    WHERE inference_id IN (SELECT inference_id FROM ${database}.ModelInferenceDetails)
) AS i ON i.inference_id = d.inference_id
GROUP BY project_id, model_id, endpoint_id, grain;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupOnInference TO ${database}.InferenceRollup AS
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(d.request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS inferences,
    sum(coalesce(i.input_tokens, 0)) AS input_tokens,
    sum(coalesce(i.output_tokens, 0)) AS output_tokens,
    sum(coalesce(i.ttft_ms, 0)) AS ttft_ms_sum,
    count(i.ttft_ms) AS ttft_ms_count,
    quantilesDDStateIf(0.01, 0.95, 0.99)(assumeNotNull(i.ttft_ms), isNotNull(i.ttft_ms)) AS ttft_ms_quantiles,
    sum(coalesce(i.response_time_ms, 0)) AS response_ms_sum,
    count(i.response_time_ms) AS response_ms_count,
    quantilesDDStateIf(0.01, 0.95, 0.99)(assumeNotNull(i.response_time_ms), isNotNull(i.response_time_ms)) AS response_ms_quantiles,
    sumIf(toFloat64(assumeNotNull(i.output_tokens)) * 1000 / assumeNotNull(i.response_time_ms),
        isNotNull(i.output_tokens) AND coalesce(i.response_time_ms, 0) > 0) AS throughput_sum,
    countIf(isNotNull(i.output_tokens) AND coalesce(i.response_time_ms, 0) > 0) AS throughput_count,
    countIf(i.cached) AS cached,
    sumIf(coalesce(i.response_time_ms, 0), i.cached) AS cached_response_ms_sum,
    countIf(isNotNull(i.response_time_ms) AND i.cached) AS cached_response_ms_count
FROM ${database}.ModelInference AS i
INNER ANY JOIN (
    SELECT inference_id, project_id, model_id, endpoint_id, request_arrival_time
    FROM ${database}.ModelInferenceDetails
    WHERE inference_id IN (SELECT inference_id FROM ${database}.ModelInference)
) AS d ON d.inference_id = i.inference_id
GROUP BY project_id, model_id, endpoint_id, grain;

-- Backfill: the pairs present before the views existed, once.
INSERT INTO ${database}.InferenceRollup (project_id, model_id, endpoint_id, grain, inferences, input_tokens, output_tokens,
    ttft_ms_sum, ttft_ms_count, ttft_ms_quantiles, response_ms_sum, response_ms_count, response_ms_quantiles,
    throughput_sum, throughput_count, cached, cached_response_ms_sum, cached_response_ms_count)
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    toDateTime(intDiv(toUnixTimestamp(d.request_arrival_time), 900) * 900, 'UTC') AS grain,
    count() AS inferences,
    sum(coalesce(i.input_tokens, 0)) AS input_tokens,
    sum(coalesce(i.output_tokens, 0)) AS output_tokens,
    sum(coalesce(i.ttft_ms, 0)) AS ttft_ms_sum,
    count(i.ttft_ms) AS ttft_ms_count,
    quantilesDDStateIf(0.01, 0.95, 0.99)(assumeNotNull(i.ttft_ms), isNotNull(i.ttft_ms)) AS ttft_ms_quantiles,
    sum(coalesce(i.response_time_ms, 0)) AS response_ms_sum,
    count(i.response_time_ms) AS response_ms_count,
    quantilesDDStateIf(0.01, 0.95, 0.99)(assumeNotNull(i.response_time_ms), isNotNull(i.response_time_ms)) AS response_ms_quantiles,
    sumIf(toFloat64(assumeNotNull(i.output_tokens)) * 1000 / assumeNotNull(i.response_time_ms),
        isNotNull(i.output_tokens) AND coalesce(i.response_time_ms, 0) > 0) AS throughput_sum,
    countIf(isNotNull(i.output_tokens) AND coalesce(i.response_time_ms, 0) > 0) AS throughput_count,
    countIf(i.cached) AS cached,
    sumIf(coalesce(i.response_time_ms, 0), i.cached) AS cached_response_ms_sum,
    countIf(isNotNull(i.response_time_ms) AND i.cached) AS cached_response_ms_count
FROM ${database}.ModelInferenceDetails AS d
INNER ANY JOIN ${database}.ModelInference AS i ON i.inference_id = d.inference_id
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'inference') = 0
GROUP BY project_id, model_id, endpoint_id, grain
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'inference' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'inference') = 0;
