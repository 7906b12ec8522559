CREATE TABLE IF NOT EXISTS bud.InferenceSecondCountsDaily_local ON CLUSTER budmetrics
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    grain DateTime('UTC'),
    second_counts SimpleAggregateFunction(sumMap, Tuple(Array(UInt32), Array(UInt64)))
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(grain)
ORDER BY (project_id, model_id, endpoint_id, grain);

CREATE TABLE IF NOT EXISTS bud.InferenceSecondCountsDaily ON CLUSTER budmetrics AS bud.InferenceSecondCountsDaily_local
ENGINE = Distributed(budmetrics, bud, InferenceSecondCountsDaily_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS bud.InferenceSecondCountsDailyFromRequests ON CLUSTER budmetrics TO bud.InferenceSecondCountsDaily_local AS
SELECT project_id, model_id, endpoint_id, toDateTime(intDiv(toUnixTimestamp(request_arrival_time), 86400) * 86400, 'UTC') AS grain,
    sumMap([toUInt32(toUnixTimestamp(request_arrival_time) % 86400)], [toUInt64(1)]) AS second_counts
FROM bud.InferenceRollupRequests
WHERE request_arrival_time >= toDateTime64(0, 3, 'UTC') AND request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, grain;

INSERT INTO bud.InferenceSecondCountsDaily
SELECT c.project_id, c.model_id, c.endpoint_id, toDateTime(intDiv(toUnixTimestamp(c.second), 86400) * 86400, 'UTC') AS day,
    (groupArray(toUInt32(toUnixTimestamp(c.second) % 86400)), groupArray(c.requests))
FROM (
    SELECT project_id, model_id, endpoint_id, second, sum(requests) AS requests
    FROM bud.InferenceSecondCounts
    WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'second_counts_daily') = 0
    GROUP BY project_id, model_id, endpoint_id, second
) AS c
GROUP BY c.project_id, c.model_id, c.endpoint_id, day
SETTINGS max_partitions_per_insert_block = 0, optimize_aggregation_in_order = 1;

INSERT INTO bud.RollupBackfill (name)
SELECT 'second_counts_daily' WHERE (SELECT count() FROM bud.RollupBackfill WHERE name = 'second_counts_daily') = 0;

