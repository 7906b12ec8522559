-- request: {"metrics":["output_token"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z"}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    base AS (
        SELECT d.inference_id AS inference_id,
            toInt64(toUnixTimestamp(toDateTime(toDate(d.request_arrival_time, tz), tz))) * 1000 AS bucket,
            d.request_arrival_time AS arrival, d.request_forward_time AS forward, d.is_success AS is_success
        FROM ModelInferenceDetails AS d
        WHERE d.request_arrival_time >= range_from AND d.request_arrival_time <= range_to
    ),
    inference AS (
        SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached, toUInt8(1) AS has_inference
        FROM ModelInference
        WHERE timestamp >= toDateTime(range_from - INTERVAL 1 DAY, 'UTC') AND timestamp <= toDateTime(range_to + INTERVAL 1 DAY, 'UTC')
    ),
    source AS (
        SELECT b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success,
            i.input_tokens AS input_tokens, i.output_tokens AS output_tokens, i.response_time_ms AS response_time_ms,
            i.ttft_ms AS ttft_ms, i.cached AS cached, i.has_inference AS has_inference
        FROM inference AS i
        RIGHT ANY JOIN base AS b ON i.inference_id = b.inference_id
    ),
    answer AS (
        SELECT bucket, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toInt64(coalesce(sum(output_tokens), 0)) AS m_output_token__count,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_output_token__count) OVER w AS prev_output_token
        FROM source
        GROUP BY bucket
        WINDOW w AS (ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.m_output_token__count AS m_output_token__count, a.has_previous AS has_previous, a.prev_output_token AS prev_output_token
FROM (SELECT arrayJoin(arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(addDays(toDate(range_from, tz), i * 1), tz))) * 1000, range(toUInt64(intDiv(dateDiff('day', toDate(range_from, tz), toDate(range_to, tz)), 1)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-01-08 00:00:00.000
--   {tz:String} = UTC
