-- request: {"metrics":["request_count"],"from_date":"2024-01-31T06:00:00Z","to_date":"2024-02-03T00:00:00Z","frequency_unit":"day","frequency_interval":2}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    {bucket_millis:Int64} AS bucket_millis,
    {rollup_from:DateTime('UTC')} AS rollup_from,
    {rollup_to:DateTime('UTC')} AS rollup_to,
    base AS (
        SELECT d.inference_id AS inference_id,
            toUnixTimestamp64Milli(range_from) + intDiv(toUnixTimestamp64Milli(d.request_arrival_time) - toUnixTimestamp64Milli(range_from), bucket_millis) * bucket_millis AS bucket,
            d.request_arrival_time AS arrival, d.request_forward_time AS forward, d.is_success AS is_success
        FROM ModelInferenceDetails AS d
        WHERE d.request_arrival_time >= range_from AND d.request_arrival_time <= range_to
            AND (d.request_arrival_time < rollup_from OR d.request_arrival_time >= rollup_to)
    ),
    edge AS (
        SELECT b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success
        FROM base AS b
    ),
    source AS (
        SELECT toUnixTimestamp64Milli(range_from) + intDiv(toUnixTimestamp64Milli(toDateTime64(r.grain, 3, 'UTC')) - toUnixTimestamp64Milli(range_from), bucket_millis) * bucket_millis AS bucket,
            sum(r.requests) AS requests
        FROM InferenceRollup AS r
        WHERE r.grain >= rollup_from AND r.grain < rollup_to
        GROUP BY bucket
        UNION ALL
        SELECT bucket,
            count() AS edge_requests
        FROM edge
        GROUP BY bucket
    ),
    answer AS (
        SELECT bucket, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toInt64(coalesce(sum(requests), 0)) AS m_request_count__count,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_request_count__count) OVER w AS prev_request_count
        FROM source
        GROUP BY bucket
        WINDOW w AS (ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.m_request_count__count AS m_request_count__count, a.has_previous AS has_previous, a.prev_request_count AS prev_request_count
FROM (SELECT arrayJoin(arrayMap(i -> toUnixTimestamp64Milli(range_from) + i * bucket_millis, range(toUInt64(intDiv(toUnixTimestamp64Milli(range_to) - toUnixTimestamp64Milli(range_from), bucket_millis)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-31 06:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-02-03 00:00:00.000
--   {tz:String} = UTC
--   {bucket_millis:Int64} = 172800000
--   {rollup_from:DateTime('UTC')} = 2024-01-31 06:00:00
--   {rollup_to:DateTime('UTC')} = 2024-02-03 00:00:00
