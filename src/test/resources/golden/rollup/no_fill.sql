-- request: {"metrics":["request_count"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z","fill_time_gaps":false,"group_by":["model"]}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    {rollup_from:DateTime('UTC')} AS rollup_from,
    {rollup_to:DateTime('UTC')} AS rollup_to,
    {day_from:DateTime('UTC')} AS day_from,
    {day_to:DateTime('UTC')} AS day_to,
    base AS (
        SELECT d.inference_id AS inference_id, d.model_id AS g_model,
            toInt64(toUnixTimestamp(toDateTime(toDate(d.request_arrival_time, tz), tz))) * 1000 AS bucket,
            d.request_arrival_time AS arrival, d.request_forward_time AS forward, d.is_success AS is_success
        FROM ModelInferenceDetails AS d
        WHERE d.request_arrival_time >= range_from AND d.request_arrival_time <= range_to
            AND (d.request_arrival_time < rollup_from OR d.request_arrival_time >= rollup_to)
    ),
    edge AS (
        SELECT b.g_model AS g_model, b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success
        FROM base AS b
    ),
    source AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            sum(r.requests) AS requests
        FROM InferenceRollupDailyByModel AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        GROUP BY bucket, g_model
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            sum(r.requests) AS requests
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
        GROUP BY bucket, g_model
        UNION ALL
        SELECT bucket, g_model,
            count() AS edge_requests
        FROM edge
        GROUP BY bucket, g_model
    ),
    answer AS (
        SELECT bucket, g_model, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toInt64(coalesce(sum(requests), 0)) AS m_request_count__count,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_request_count__count) OVER w AS prev_request_count
        FROM source
        GROUP BY bucket, g_model
        WINDOW w AS (PARTITION BY g_model ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT bucket, has_data, series_rank, g_model, m_request_count__count, has_previous, prev_request_count
FROM answer
ORDER BY bucket DESC, series_rank ASC, toString(g_model) ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-01-08 00:00:00.000
--   {tz:String} = UTC
--   {rollup_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {rollup_to:DateTime('UTC')} = 2024-01-08 00:00:00
--   {day_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {day_to:DateTime('UTC')} = 2024-01-08 00:00:00
