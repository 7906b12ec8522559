CREATE TABLE IF NOT EXISTS bud.IngestDeadLetter_local ON CLUSTER budmetrics
(
    received_at DateTime64(3) DEFAULT now64(3),
    source LowCardinality(String),
    reference Nullable(String),
    entry_index UInt32,
    entry_id Nullable(String),
    inference_id Nullable(String),
    error String,
    payload String
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, source);

CREATE TABLE IF NOT EXISTS bud.IngestDeadLetter ON CLUSTER budmetrics AS bud.IngestDeadLetter_local
ENGINE = Distributed(budmetrics, bud, IngestDeadLetter_local, rand());

ALTER TABLE bud.ModelInferenceDetails_local ON CLUSTER budmetrics ADD INDEX IF NOT EXISTS idx_inference_id inference_id TYPE bloom_filter(0.001) GRANULARITY 1;

