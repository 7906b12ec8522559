-- One row per inference, written by this service (SPEC section 1).
-- Exactly one row per inference_id is the ingestion's job (see docs/ARCHITECTURE.md), so every
-- aggregate over this table is exact without FINAL.
CREATE TABLE IF NOT EXISTS ${database}.ModelInferenceDetails
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(request_arrival_time)
ORDER BY (project_id, model_id, endpoint_id, request_arrival_time, inference_id);
