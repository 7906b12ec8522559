CREATE TABLE IF NOT EXISTS bud.FixtureMinuteRollup_local ON CLUSTER budmetrics
(
    project_id UUID,
    endpoint_id UUID,
    model_id UUID,
    minute DateTime('UTC'),
    requests SimpleAggregateFunction(sum, UInt64),
    successes SimpleAggregateFunction(sum, UInt64),
    queuing_ms_max SimpleAggregateFunction(max, Int64),
    queuing_dd AggregateFunction(quantilesDD(0.01, 0.5, 0.95, 0.99), Int64),
    cost_sum AggregateFunction(sum, Nullable(Float64))
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (project_id, endpoint_id, model_id, minute);

CREATE TABLE IF NOT EXISTS bud.FixtureMinuteRollup ON CLUSTER budmetrics AS bud.FixtureMinuteRollup_local
ENGINE = Distributed(budmetrics, bud, FixtureMinuteRollup_local, rand());

CREATE TABLE IF NOT EXISTS bud.FixtureSecondCounts_local ON CLUSTER budmetrics
(
    project_id UUID,
    endpoint_id UUID,
    model_id UUID,
    second DateTime('UTC'),
    requests UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (requests))
PARTITION BY toYYYYMM(second)
ORDER BY (project_id, endpoint_id, model_id, second)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS bud.FixtureSecondCounts ON CLUSTER budmetrics AS bud.FixtureSecondCounts_local
ENGINE = Distributed(budmetrics, bud, FixtureSecondCounts_local, rand());

CREATE TABLE IF NOT EXISTS bud.FixtureTokenRollup_local ON CLUSTER budmetrics
(
    model_id UUID,
    minute DateTime('UTC'),
    input_tokens UInt64,
    output_tokens UInt64,
    cached UInt64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (model_id, minute);

CREATE TABLE IF NOT EXISTS bud.FixtureTokenRollup ON CLUSTER budmetrics AS bud.FixtureTokenRollup_local
ENGINE = Distributed(budmetrics, bud, FixtureTokenRollup_local, rand());

CREATE TABLE IF NOT EXISTS bud.FixtureRequests ON CLUSTER budmetrics
(
    project_id UUID,
    endpoint_id UUID,
    model_id UUID,
    request_arrival_time DateTime64(3)
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.FixtureMinuteRollupFeed ON CLUSTER budmetrics TO bud.FixtureMinuteRollup_local AS
SELECT project_id, endpoint_id, model_id, toStartOfMinute(request_arrival_time, 'UTC') AS minute,
    count() AS requests, countIf(is_success) AS successes,
    max(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_ms_max,
    quantilesDDState(0.01, 0.5, 0.95, 0.99)(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_dd,
    sumState(cost) AS cost_sum
FROM bud.ModelInferenceDetails_local
GROUP BY project_id, endpoint_id, model_id, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.FixtureSecondCountsFeed ON CLUSTER budmetrics TO bud.FixtureSecondCounts_local
AS SELECT project_id, endpoint_id, model_id, toStartOfSecond(request_arrival_time) AS second, count() AS requests
FROM bud.FixtureRequests GROUP BY project_id, endpoint_id, model_id, second;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.FixtureRequestsFromDetails ON CLUSTER budmetrics TO bud.FixtureRequests AS
SELECT project_id, endpoint_id, model_id, request_arrival_time FROM bud.ModelInferenceDetails_local /* the trigger */;

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.FixtureTokenRollupFeed ON CLUSTER budmetrics TO bud.FixtureTokenRollup_local AS
SELECT d.model_id AS model_id, toStartOfMinute(i.timestamp, 'UTC') AS minute,
    sum(coalesce(i.input_tokens, 0)) AS input_tokens, sum(coalesce(i.output_tokens, 0)) AS output_tokens, countIf(i.cached) AS cached
FROM bud.ModelInference_local AS i
INNER JOIN bud.ModelInferenceDetails_local AS d ON d.inference_id = i.inference_id
GROUP BY model_id, minute;

INSERT INTO bud.FixtureMinuteRollup
SELECT project_id, endpoint_id, model_id, toStartOfMinute(request_arrival_time, 'UTC') AS minute,
    count(), countIf(is_success),
    max(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)),
    quantilesDDState(0.01, 0.5, 0.95, 0.99)(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)),
    sumState(cost)
FROM bud.ModelInferenceDetails
WHERE (SELECT count() FROM bud.FixtureMinuteRollup) = 0
GROUP BY project_id, endpoint_id, model_id, minute;

INSERT INTO bud.FixtureRequests (project_id, endpoint_id, model_id, request_arrival_time)
SELECT project_id, endpoint_id, model_id, request_arrival_time
FROM bud.ModelInferenceDetails
WHERE NOT EXISTS (SELECT 1 FROM bud.FixtureSecondCounts)
SETTINGS max_partitions_per_insert_block = 0;

ALTER TABLE bud.FixtureMinuteRollup_local ON CLUSTER budmetrics ADD INDEX IF NOT EXISTS idx_model model_id TYPE set(100) GRANULARITY 4;

ALTER TABLE bud.FixtureSecondCounts_local ON CLUSTER budmetrics ADD COLUMN IF NOT EXISTS failures UInt64 DEFAULT 0, MODIFY SETTING merge_with_ttl_timeout = 3600;

ALTER TABLE bud.FixtureSecondCounts ON CLUSTER budmetrics ADD COLUMN IF NOT EXISTS failures UInt64 DEFAULT 0;

CREATE VIEW IF NOT EXISTS bud.FixtureHourly ON CLUSTER budmetrics AS
SELECT project_id, toStartOfHour(minute) AS hour, sum(requests) AS requests
FROM bud.FixtureMinuteRollup GROUP BY project_id, hour;

