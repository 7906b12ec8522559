CREATE TABLE IF NOT EXISTS bud.ModelInferenceDetails_local ON CLUSTER budmetrics
(
    inference_id UUID,
    request_ip Nullable(IPv6),
    project_id UUID,
    endpoint_id UUID,
    model_id UUID,
    cost Nullable(Float64),
    response_analysis Nullable(JSON),
    is_success Bool,
    request_arrival_time DateTime64(3),
    request_forward_time DateTime64(3),
    api_key_id Nullable(String),
    user_id Nullable(String),
    api_key_project_id Nullable(String),
    error_code Nullable(String),
    error_message Nullable(String),
    error_type Nullable(String),
    status_code Nullable(UInt16),
    created_at DateTime DEFAULT now()
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(request_arrival_time)
ORDER BY (project_id, model_id, endpoint_id, request_arrival_time, inference_id);

CREATE TABLE IF NOT EXISTS bud.ModelInferenceDetails ON CLUSTER budmetrics AS bud.ModelInferenceDetails_local
ENGINE = Distributed(budmetrics, bud, ModelInferenceDetails_local, cityHash64(inference_id));

