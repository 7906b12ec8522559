-- The busiest second per series and UTC day, for concurrent_requests over whole days (docs/DATABASE_SCHEMA.md,
-- "Rollups"). InferenceSecondCounts (004) holds one row per series and second: at 100M inferences a year of traffic is
-- ~95M rows there, because each series' traffic is sparse, and adding them up per second took 30 s. Here one row per
-- series and day holds that day's per-second counts as a map (second of the day -> requests); the engine adds maps of
-- the same key up when it merges parts, and a query reads the table FINAL (the parts' rows merged the same way as it
-- reads them), so arrayMax over one row's counts is the day's busiest second. Exact, like InferenceSecondCounts, which
-- still serves every range that is not whole UTC days. Fed by a view on the same requests as InferenceSecondCounts,
-- and backfilled from it once.
CREATE TABLE IF NOT EXISTS ${database}.InferenceSecondCountsDaily
(
    project_id UUID,
    model_id UUID,
    endpoint_id UUID,
    grain DateTime('UTC'),
    second_counts SimpleAggregateFunction(sumMap, Tuple(Array(UInt32), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(grain)
ORDER BY (project_id, model_id, endpoint_id, grain);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.InferenceSecondCountsDailyFromRequests TO ${database}.InferenceSecondCountsDaily AS
SELECT project_id, model_id, endpoint_id, toDateTime(intDiv(toUnixTimestamp(request_arrival_time), 86400) * 86400, 'UTC') AS grain,
    sumMap([toUInt32(toUnixTimestamp(request_arrival_time) % 86400)], [toUInt64(1)]) AS second_counts
FROM ${database}.InferenceRollupRequests
WHERE request_arrival_time >= toDateTime64(0, 3, 'UTC') AND request_arrival_time < toDateTime64(4294967295, 3, 'UTC')
GROUP BY project_id, model_id, endpoint_id, grain;

-- Backfill: the seconds InferenceSecondCounts held before the view existed, once (guarded by its RollupBackfill row,
-- written last); its rows added up per second first, so that each map holds a second once, in the table's own order
-- (optimize_aggregation_in_order: the per-second sums stream instead of holding ~95M groups at 100M rows)
INSERT INTO ${database}.InferenceSecondCountsDaily
SELECT c.project_id, c.model_id, c.endpoint_id, toDateTime(intDiv(toUnixTimestamp(c.second), 86400) * 86400, 'UTC') AS day,
    (groupArray(toUInt32(toUnixTimestamp(c.second) % 86400)), groupArray(c.requests))
FROM (
    SELECT project_id, model_id, endpoint_id, second, sum(requests) AS requests
    FROM ${database}.InferenceSecondCounts
    WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'second_counts_daily') = 0
    GROUP BY project_id, model_id, endpoint_id, second
) AS c
GROUP BY c.project_id, c.model_id, c.endpoint_id, day
SETTINGS max_partitions_per_insert_block = 0, optimize_aggregation_in_order = 1;

INSERT INTO ${database}.RollupBackfill (name)
SELECT 'second_counts_daily' WHERE (SELECT count() FROM ${database}.RollupBackfill WHERE name = 'second_counts_daily') = 0;
