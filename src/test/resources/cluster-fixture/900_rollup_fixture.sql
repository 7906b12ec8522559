-- Not a migration of the service: a fixture in the shape of the rollup migrations (issue 13), written for one node like
-- every file in db/migrations/, to show that ClusterSchema writes their cluster form without edits (ClusterSchemaTest).
CREATE TABLE IF NOT EXISTS ${database}.FixtureMinuteRollup
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
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (project_id, endpoint_id, model_id, minute);

-- requests per second and series: the busiest second of a bucket is max(sum(requests)) over its seconds
CREATE TABLE IF NOT EXISTS ${database}.FixtureSecondCounts
(
    project_id UUID,
    endpoint_id UUID,
    model_id UUID,
    second DateTime('UTC'),
    requests UInt64
)
ENGINE = SummingMergeTree((requests))
PARTITION BY toYYYYMM(second)
ORDER BY (project_id, endpoint_id, model_id, second)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS ${database}.FixtureTokenRollup
(
    model_id UUID,
    minute DateTime('UTC'),
    input_tokens UInt64,
    output_tokens UInt64,
    cached UInt64
)
ENGINE = SummingMergeTree()
ORDER BY (model_id, minute);

-- stores nothing: the rows the second counts are made of pass through it, from the view below or from the backfill
CREATE TABLE IF NOT EXISTS ${database}.FixtureRequests
(
    project_id UUID,
    endpoint_id UUID,
    model_id UUID,
    request_arrival_time DateTime64(3)
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.FixtureMinuteRollupFeed TO ${database}.FixtureMinuteRollup AS
SELECT project_id, endpoint_id, model_id, toStartOfMinute(request_arrival_time, 'UTC') AS minute,
    count() AS requests, countIf(is_success) AS successes,
    max(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_ms_max,
    quantilesDDState(0.01, 0.5, 0.95, 0.99)(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)) AS queuing_dd,
    sumState(cost) AS cost_sum
FROM ${database}.ModelInferenceDetails
GROUP BY project_id, endpoint_id, model_id, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.FixtureSecondCountsFeed TO ${database}.FixtureSecondCounts
AS SELECT project_id, endpoint_id, model_id, toStartOfSecond(request_arrival_time) AS second, count() AS requests
FROM ${database}.FixtureRequests GROUP BY project_id, endpoint_id, model_id, second;

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.FixtureRequestsFromDetails TO ${database}.FixtureRequests AS
SELECT project_id, endpoint_id, model_id, request_arrival_time FROM ${database}.ModelInferenceDetails /* the trigger */;

-- joins the gateway's table: on a cluster both are sharded by inference_id, so the join stays on one shard
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.FixtureTokenRollupFeed TO ${database}.FixtureTokenRollup AS
SELECT d.model_id AS model_id, toStartOfMinute(i.timestamp, 'UTC') AS minute,
    sum(coalesce(i.input_tokens, 0)) AS input_tokens, sum(coalesce(i.output_tokens, 0)) AS output_tokens, countIf(i.cached) AS cached
FROM ${database}.ModelInference AS i
INNER JOIN ${database}.ModelInferenceDetails AS d ON d.inference_id = i.inference_id
GROUP BY model_id, minute;

-- backfill from the rows already there, once: only while the rollup is empty
INSERT INTO ${database}.FixtureMinuteRollup
SELECT project_id, endpoint_id, model_id, toStartOfMinute(request_arrival_time, 'UTC') AS minute,
    count(), countIf(is_success),
    max(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)),
    quantilesDDState(0.01, 0.5, 0.95, 0.99)(toUnixTimestamp64Milli(request_forward_time) - toUnixTimestamp64Milli(request_arrival_time)),
    sumState(cost)
FROM ${database}.ModelInferenceDetails
WHERE (SELECT count() FROM ${database}.FixtureMinuteRollup) = 0
GROUP BY project_id, endpoint_id, model_id, minute;

INSERT INTO ${database}.FixtureRequests (project_id, endpoint_id, model_id, request_arrival_time)
SELECT project_id, endpoint_id, model_id, request_arrival_time
FROM ${database}.ModelInferenceDetails
WHERE NOT EXISTS (SELECT 1 FROM ${database}.FixtureSecondCounts)
SETTINGS max_partitions_per_insert_block = 0;

ALTER TABLE ${database}.FixtureMinuteRollup ADD INDEX IF NOT EXISTS idx_model model_id TYPE set(100) GRANULARITY 4;

ALTER TABLE ${database}.FixtureSecondCounts ADD COLUMN IF NOT EXISTS failures UInt64 DEFAULT 0, MODIFY SETTING merge_with_ttl_timeout = 3600;

CREATE VIEW IF NOT EXISTS ${database}.FixtureHourly AS
SELECT project_id, toStartOfHour(minute) AS hour, sum(requests) AS requests
FROM ${database}.FixtureMinuteRollup GROUP BY project_id, hour;
