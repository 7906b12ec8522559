CREATE TABLE IF NOT EXISTS bud.ModelInference_local ON CLUSTER budmetrics
(
    id UUID,
    inference_id UUID,
    raw_request String,
    raw_response String,
    model_name LowCardinality(String),
    model_provider_name LowCardinality(String),
    input_tokens Nullable(UInt32),
    output_tokens Nullable(UInt32),
    response_time_ms Nullable(UInt32),
    ttft_ms Nullable(UInt32),
    timestamp DateTime MATERIALIZED UUIDv7ToDateTime(id),
    system Nullable(String),
    input_messages String,
    output String,
    cached Bool DEFAULT false,
    finish_reason Nullable(Enum8('stop' = 1, 'length' = 2, 'tool_call' = 3, 'content_filter' = 4, 'unknown' = 5))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(timestamp)
ORDER BY (model_name, timestamp, inference_id);

CREATE TABLE IF NOT EXISTS bud.ModelInference ON CLUSTER budmetrics AS bud.ModelInference_local
ENGINE = Distributed(budmetrics, bud, ModelInference_local, cityHash64(inference_id));

