-- request: {"metrics":["throughput"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z"}
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
    inference AS (
        SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached, toUInt8(1) AS has_inference
        FROM ModelInference
        WHERE (timestamp >= toDateTime(range_from - INTERVAL 1 DAY, 'UTC') AND timestamp <= toDateTime(rollup_from + INTERVAL 1 DAY, 'UTC') OR timestamp >= toDateTime(rollup_to - INTERVAL 1 DAY, 'UTC') AND timestamp <= toDateTime(range_to + INTERVAL 1 DAY, 'UTC'))
    ),
    edge AS (
        SELECT b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success,
            i.input_tokens AS input_tokens, i.output_tokens AS output_tokens, i.response_time_ms AS response_time_ms,
            i.ttft_ms AS ttft_ms, i.cached AS cached, i.has_inference AS has_inference
        FROM inference AS i
        RIGHT ANY JOIN base AS b ON i.inference_id = b.inference_id
    ),
    source AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket,
            sum(r.requests) AS requests,
            sum(r.throughput_sum) AS throughput_sum,
            sum(r.throughput_count) AS throughput_count
        FROM InferenceRollupDailyByModel AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        GROUP BY bucket
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket,
            sum(r.requests) AS requests,
            sum(r.throughput_sum) AS throughput_sum,
            sum(r.throughput_count) AS throughput_count
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
        GROUP BY bucket
        UNION ALL
        SELECT bucket,
            count() AS edge_requests,
            sumIf(toFloat64(assumeNotNull(output_tokens)) * 1000 / assumeNotNull(response_time_ms), isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0) AS edge_throughput_sum,
            countIf(isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0) AS edge_throughput_count
        FROM edge
        GROUP BY bucket
    ),
    answer AS (
        SELECT bucket, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toFloat64(coalesce(sum(throughput_sum) / nullIf(sum(throughput_count), 0), 0)) AS m_throughput__avg,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_throughput__avg) OVER w AS prev_throughput
        FROM source
        GROUP BY bucket
        WINDOW w AS (ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.m_throughput__avg AS m_throughput__avg, a.has_previous AS has_previous, a.prev_throughput AS prev_throughput
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
