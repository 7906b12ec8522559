-- requires: ModelInference
-- The ModelInference part of InferenceRollup (004): tokens, TTFT, latency, throughput, cache. A ModelInference row has
-- no project, model or endpoint id, and the gateway writes it independently of ModelInferenceDetails, in either
-- order. So each side has a view that looks up the other table for the ids of its inserted block (inside a view the
-- source table's name is the inserted block): whichever row is stored second contributes the pair, to
-- InferenceRollupPairs, whose view (004) adds it up (docs/DATABASE_SCHEMA.md, "How the views feed them"). Runs only
-- where ModelInference exists (the gateway's table); a later run after it appears creates the views and backfills.
-- Each lookup reads only the other table's rows within a day of the block's times (ModelInference's timestamp is the
-- call's start, from its UUIDv7 id, so its sort key prunes; ModelInferenceDetails' arrival and partitions likewise):
-- without that bound every insert would read the whole inference_id column of the other table. A pair whose two
-- times lie more than a day apart is left to the backfill/rebuild (docs/DATABASE_SCHEMA.md).
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupPairsOnDetails TO ${database}.InferenceRollupPairs AS
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    d.request_arrival_time AS request_arrival_time, i.input_tokens AS input_tokens, i.output_tokens AS output_tokens,
    i.response_time_ms AS response_time_ms, i.ttft_ms AS ttft_ms, i.cached AS cached
FROM ${database}.ModelInferenceDetails AS d
INNER ANY JOIN (
    SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached
    FROM ${database}.ModelInference
    WHERE inference_id IN (SELECT inference_id FROM ${database}.ModelInferenceDetails)
        AND timestamp >= (SELECT min(request_arrival_time) FROM ${database}.ModelInferenceDetails) - INTERVAL 1 DAY
        AND timestamp <= (SELECT max(request_arrival_time) FROM ${database}.ModelInferenceDetails) + INTERVAL 1 DAY
) AS i ON i.inference_id = d.inference_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceRollupPairsOnInference TO ${database}.InferenceRollupPairs AS
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    d.request_arrival_time AS request_arrival_time, i.input_tokens AS input_tokens, i.output_tokens AS output_tokens,
    i.response_time_ms AS response_time_ms, i.ttft_ms AS ttft_ms, i.cached AS cached
FROM ${database}.ModelInference AS i
INNER ANY JOIN (
    SELECT inference_id, project_id, model_id, endpoint_id, request_arrival_time
    FROM ${database}.ModelInferenceDetails
    WHERE inference_id IN (SELECT inference_id FROM ${database}.ModelInference)
        AND request_arrival_time >= (SELECT min(UUIDv7ToDateTime(id)) FROM ${database}.ModelInference) - INTERVAL 1 DAY
        AND request_arrival_time <= (SELECT max(UUIDv7ToDateTime(id)) FROM ${database}.ModelInference) + INTERVAL 1 DAY
) AS d ON d.inference_id = i.inference_id;

-- Backfill: the pairs present before the views existed, once.
INSERT INTO ${database}.InferenceRollupPairs
SELECT d.project_id, d.model_id, d.endpoint_id, d.request_arrival_time, i.input_tokens, i.output_tokens, i.response_time_ms,
    i.ttft_ms, i.cached
FROM ${database}.ModelInferenceDetails AS d
INNER ANY JOIN ${database}.ModelInference AS i ON i.inference_id = d.inference_id
WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'inference') = 0
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'inference' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'inference') = 0;
