-- Entries the ingestion rejected (SPEC section 3: invalid entries are reported and kept, never silently dropped).
-- One row per rejected entry: where it came from (http / redis, the Redis stream entry id), its position in
-- the delivery, the reason and the entry exactly as received.
CREATE TABLE IF NOT EXISTS ${database}.IngestDeadLetter
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, source);

-- The dedup check looks rows up by inference_id alone, which is last in the sort key: a bloom filter lets it
-- skip the granules that cannot hold the ids of a batch.
ALTER TABLE ${database}.ModelInferenceDetails ADD INDEX IF NOT EXISTS idx_inference_id inference_id TYPE bloom_filter(0.001) GRANULARITY 1;
