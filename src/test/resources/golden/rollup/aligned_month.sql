-- request: {"metrics":["request_count"],"from_date":"2024-01-31T06:00:00Z","to_date":"2024-02-03T00:00:00Z","frequency_unit":"month","frequency_interval":2}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    {bucket_months:Int64} AS bucket_months,
    toTimeZone(range_from, tz) AS bucket_origin,
    {rollup_from:DateTime('UTC')} AS rollup_from,
    {rollup_to:DateTime('UTC')} AS rollup_to,
    base AS (
        SELECT d.inference_id AS inference_id,
            toUnixTimestamp64Milli(addMonths(bucket_origin, (intDiv((toInt64(toRelativeMonthNum(d.request_arrival_time, tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz))), bucket_months) - toInt64(addMonths(bucket_origin, intDiv((toInt64(toRelativeMonthNum(d.request_arrival_time, tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz))), bucket_months) * bucket_months) > d.request_arrival_time)) * bucket_months)) AS bucket,
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
        SELECT toUnixTimestamp64Milli(addMonths(bucket_origin, (intDiv((toInt64(toRelativeMonthNum(toDateTime64(r.grain, 3, 'UTC'), tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz))), bucket_months) - toInt64(addMonths(bucket_origin, intDiv((toInt64(toRelativeMonthNum(toDateTime64(r.grain, 3, 'UTC'), tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz))), bucket_months) * bucket_months) > toDateTime64(r.grain, 3, 'UTC'))) * bucket_months)) AS bucket,
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
FROM (SELECT arrayJoin(arrayMap(i -> toUnixTimestamp64Milli(addMonths(bucket_origin, i * bucket_months)), range(toUInt64((intDiv((toInt64(toRelativeMonthNum(range_to, tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz))), bucket_months) - toInt64(addMonths(bucket_origin, intDiv((toInt64(toRelativeMonthNum(range_to, tz)) - toInt64(toRelativeMonthNum(bucket_origin, tz))), bucket_months) * bucket_months) > range_to))) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-31 06:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-02-03 00:00:00.000
--   {tz:String} = UTC
--   {bucket_months:Int64} = 2
--   {rollup_from:DateTime('UTC')} = 2024-01-31 06:00:00
--   {rollup_to:DateTime('UTC')} = 2024-02-03 00:00:00
