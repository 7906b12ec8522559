-- request: {"metrics":["cache"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z","group_by":["endpoint","model"]}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    {rollup_from:DateTime('UTC')} AS rollup_from,
    {rollup_to:DateTime('UTC')} AS rollup_to,
    {day_from:DateTime('UTC')} AS day_from,
    {day_to:DateTime('UTC')} AS day_to,
    base AS (
        SELECT d.inference_id AS inference_id, d.endpoint_id AS g_endpoint, d.model_id AS g_model,
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
        SELECT b.g_endpoint AS g_endpoint, b.g_model AS g_model, b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success,
            i.input_tokens AS input_tokens, i.output_tokens AS output_tokens, i.response_time_ms AS response_time_ms,
            i.ttft_ms AS ttft_ms, i.cached AS cached, i.has_inference AS has_inference
        FROM inference AS i
        RIGHT ANY JOIN base AS b ON i.inference_id = b.inference_id
    ),
    source AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.endpoint_id AS g_endpoint, r.model_id AS g_model,
            sum(r.requests) AS requests,
            sum(r.inferences) AS inferences,
            sum(r.cached) AS cached,
            sum(r.cached_response_ms_sum) AS cached_response_ms_sum,
            sum(r.cached_response_ms_count) AS cached_response_ms_count
        FROM InferenceRollupDaily AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        GROUP BY bucket, g_endpoint, g_model
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.endpoint_id AS g_endpoint, r.model_id AS g_model,
            sum(r.requests) AS requests,
            sum(r.inferences) AS inferences,
            sum(r.cached) AS cached,
            sum(r.cached_response_ms_sum) AS cached_response_ms_sum,
            sum(r.cached_response_ms_count) AS cached_response_ms_count
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
        GROUP BY bucket, g_endpoint, g_model
        UNION ALL
        SELECT bucket, g_endpoint, g_model,
            count() AS edge_requests,
            countIf(has_inference = 1) AS edge_inferences,
            countIf(has_inference = 1 AND cached) AS edge_cached,
            sum(if(has_inference = 1 AND cached, toUInt64(coalesce(response_time_ms, 0)), 0)) AS edge_cached_response_ms_sum,
            countIf(isNotNull(response_time_ms) AND has_inference = 1 AND cached) AS edge_cached_response_ms_count
        FROM edge
        GROUP BY bucket, g_endpoint, g_model
    ),
    answer AS (
        SELECT bucket, g_endpoint, g_model, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toFloat64(coalesce(if(sum(inferences) = 0, 0, sum(cached) * 100 / sum(inferences)), 0)) AS m_cache__hit_rate,
            toInt64(coalesce(sum(cached), 0)) AS m_cache__hit_count,
            toNullable(toFloat64(sum(cached_response_ms_sum) / nullIf(sum(cached_response_ms_count), 0))) AS m_cache__avg_latency_ms,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_cache__hit_rate) OVER w AS prev_cache
        FROM source
        GROUP BY bucket, g_endpoint, g_model
        WINDOW w AS (PARTITION BY g_endpoint, g_model ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.g_endpoint AS g_endpoint, a.g_model AS g_model, a.m_cache__hit_rate AS m_cache__hit_rate, a.m_cache__hit_count AS m_cache__hit_count, a.m_cache__avg_latency_ms AS m_cache__avg_latency_ms, a.has_previous AS has_previous, a.prev_cache AS prev_cache
FROM (SELECT arrayJoin(arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(addDays(toDate(range_from, tz), i * 1), tz))) * 1000, range(toUInt64(intDiv(dateDiff('day', toDate(range_from, tz), toDate(range_to, tz)), 1)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC, toString(g_endpoint) ASC, toString(g_model) ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-01-08 00:00:00.000
--   {tz:String} = UTC
--   {rollup_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {rollup_to:DateTime('UTC')} = 2024-01-08 00:00:00
--   {day_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {day_to:DateTime('UTC')} = 2024-01-08 00:00:00
