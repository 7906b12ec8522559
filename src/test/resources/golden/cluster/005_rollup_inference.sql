CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupPairsOnDetails ON CLUSTER budmetrics TO bud.InferenceRollupPairs AS
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    d.request_arrival_time AS request_arrival_time, i.input_tokens AS input_tokens, i.output_tokens AS output_tokens,
    i.response_time_ms AS response_time_ms, i.ttft_ms AS ttft_ms, i.cached AS cached
FROM bud.ModelInferenceDetails_local AS d
INNER ANY JOIN (
    SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached
    FROM bud.ModelInference_local
    WHERE inference_id IN (SELECT inference_id FROM bud.ModelInferenceDetails_local)
        AND timestamp >= (SELECT min(request_arrival_time) FROM bud.ModelInferenceDetails_local) - INTERVAL 1 DAY
        AND timestamp <= (SELECT max(request_arrival_time) FROM bud.ModelInferenceDetails_local) + INTERVAL 1 DAY
) AS i ON i.inference_id = d.inference_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceRollupPairsOnInference ON CLUSTER budmetrics TO bud.InferenceRollupPairs AS
SELECT d.project_id AS project_id, d.model_id AS model_id, d.endpoint_id AS endpoint_id,
    d.request_arrival_time AS request_arrival_time, i.input_tokens AS input_tokens, i.output_tokens AS output_tokens,
    i.response_time_ms AS response_time_ms, i.ttft_ms AS ttft_ms, i.cached AS cached
FROM bud.ModelInference_local AS i
INNER ANY JOIN (
    SELECT inference_id, project_id, model_id, endpoint_id, request_arrival_time
    FROM bud.ModelInferenceDetails_local
    WHERE inference_id IN (SELECT inference_id FROM bud.ModelInference_local)
        AND request_arrival_time >= (SELECT min(UUIDv7ToDateTime(id)) FROM bud.ModelInference_local) - INTERVAL 1 DAY
        AND request_arrival_time <= (SELECT max(UUIDv7ToDateTime(id)) FROM bud.ModelInference_local) + INTERVAL 1 DAY
) AS d ON d.inference_id = i.inference_id;

INSERT INTO bud.InferenceRollupPairs
SELECT d.project_id, d.model_id, d.endpoint_id, d.request_arrival_time, i.input_tokens, i.output_tokens, i.response_time_ms,
    i.ttft_ms, i.cached
FROM bud.ModelInferenceDetails AS d
INNER ANY JOIN bud.ModelInference AS i ON i.inference_id = d.inference_id
WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'inference') = 0
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO bud.RollupBackfill (name)
SELECT 'inference' WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'inference') = 0;

