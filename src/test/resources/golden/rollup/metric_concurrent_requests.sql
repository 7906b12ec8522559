-- request: {"metrics":["concurrent_requests"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z"}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    {rollup_from:DateTime('UTC')} AS rollup_from,
    {rollup_to:DateTime('UTC')} AS rollup_to,
    {day_from:DateTime('UTC')} AS day_from,
    {day_to:DateTime('UTC')} AS day_to,
    base AS (
        SELECT d.inference_id AS inference_id,
            toInt64(toUnixTimestamp(toDateTime(toDate(d.request_arrival_time, tz), tz))) * 1000 AS bucket,
            d.request_arrival_time AS arrival, d.request_forward_time AS forward, d.is_success AS is_success
        FROM ModelInferenceDetails AS d
        WHERE d.request_arrival_time >= range_from AND d.request_arrival_time <= range_to
            AND (d.request_arrival_time < rollup_from OR d.request_arrival_time >= rollup_to)
    ),
    edge AS (
        SELECT b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success
        FROM base AS b
    ),
    parts AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket,
            sum(r.requests) AS requests
        FROM InferenceRollupDailyByModel AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        GROUP BY bucket
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket,
            sum(r.requests) AS requests
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
        GROUP BY bucket
        UNION ALL
        SELECT bucket,
            count() AS edge_requests
        FROM edge
        GROUP BY bucket
    ),
    seconds AS (
        SELECT c.second AS second, sum(c.requests) AS requests
        FROM InferenceSecondCounts AS c
        WHERE c.second >= rollup_from AND c.second < rollup_to
        GROUP BY second
        HAVING requests > 1
        UNION ALL
        SELECT toDateTime(arrival, 'UTC') AS second, count() AS requests
        FROM base
        GROUP BY second
        HAVING requests > 1
    ),
    peaks AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(second, 3, 'UTC'), tz), tz))) * 1000 AS bucket, max(requests) AS same_second
        FROM seconds
        GROUP BY bucket
    ),
    source AS (
        SELECT p.bucket AS bucket, p.requests AS requests,
            k.same_second AS same_second
        FROM parts AS p
        LEFT JOIN peaks AS k ON k.bucket = p.bucket
    ),
    answer AS (
        SELECT bucket, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toFloat64(coalesce(if(max(same_second) > 1, max(same_second), 0), 0)) AS m_concurrent_requests__avg,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_concurrent_requests__avg) OVER w AS prev_concurrent_requests
        FROM source
        GROUP BY bucket
        WINDOW w AS (ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.m_concurrent_requests__avg AS m_concurrent_requests__avg, a.has_previous AS has_previous, a.prev_concurrent_requests AS prev_concurrent_requests
FROM (SELECT arrayJoin(arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(addDays(toDate(range_from, tz), i * 1), tz))) * 1000, range(toUInt64(intDiv(dateDiff('day', toDate(range_from, tz), toDate(range_to, tz)), 1)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-01-08 00:00:00.000
--   {tz:String} = UTC
--   {rollup_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {rollup_to:DateTime('UTC')} = 2024-01-08 00:00:00
--   {day_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {day_to:DateTime('UTC')} = 2024-01-08 00:00:00
