-- request: {"metrics":["request_count","success_request","failure_request","queuing_time","input_token","output_token","concurrent_requests","ttft","latency","throughput","cache"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z","group_by":["model"]}
WITH
    {range_from:DateTime64(3, 'UTC')} AS range_from,
    {range_to:DateTime64(3, 'UTC')} AS range_to,
    {tz:String} AS tz,
    base AS (
        SELECT d.inference_id AS inference_id, d.model_id AS g_model,
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
        SELECT b.g_model AS g_model, b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success,
            i.input_tokens AS input_tokens, i.output_tokens AS output_tokens, i.response_time_ms AS response_time_ms,
            i.ttft_ms AS ttft_ms, i.cached AS cached, i.has_inference AS has_inference,
            count() OVER (PARTITION BY b.bucket, b.g_model, intDiv(toUnixTimestamp64Milli(b.arrival), 1000)) AS same_second
        FROM inference AS i
        RIGHT ANY JOIN base AS b ON i.inference_id = b.inference_id
    ),
    answer AS (
        SELECT bucket, g_model, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            toInt64(coalesce(count(), 0)) AS m_request_count__count,
            toInt64(coalesce(countIf(is_success), 0)) AS m_success_request__count,
            toFloat64(coalesce(countIf(is_success) * 100 / count(), 0)) AS m_success_request__rate,
            toInt64(coalesce(countIf(NOT is_success), 0)) AS m_failure_request__count,
            toFloat64(coalesce(countIf(NOT is_success) * 100 / count(), 0)) AS m_failure_request__rate,
            toFloat64(coalesce(avgOrNull(toUnixTimestamp64Milli(forward) - toUnixTimestamp64Milli(arrival)), 0)) AS m_queuing_time__avg_time_ms,
            toInt64(coalesce(sum(input_tokens), 0)) AS m_input_token__count,
            toInt64(coalesce(sum(output_tokens), 0)) AS m_output_token__count,
            toFloat64(coalesce(if(max(same_second) > 1, max(same_second), 0), 0)) AS m_concurrent_requests__avg,
            toFloat64(coalesce(avgOrNull(ttft_ms), 0)) AS m_ttft__avg,
            toNullable(toFloat64(quantileExactInclusive(0.95)(ttft_ms))) AS m_ttft__p95,
            toNullable(toFloat64(quantileExactInclusive(0.99)(ttft_ms))) AS m_ttft__p99,
            toFloat64(coalesce(avgOrNull(response_time_ms), 0)) AS m_latency__avg,
            toNullable(toFloat64(quantileExactInclusive(0.95)(response_time_ms))) AS m_latency__p95,
            toNullable(toFloat64(quantileExactInclusive(0.99)(response_time_ms))) AS m_latency__p99,
            toFloat64(coalesce(avgOrNullIf(toFloat64(assumeNotNull(output_tokens)) * 1000 / assumeNotNull(response_time_ms), isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0), 0)) AS m_throughput__avg,
            toFloat64(coalesce(if(countIf(has_inference = 1) = 0, 0, countIf(has_inference = 1 AND cached) * 100 / countIf(has_inference = 1)), 0)) AS m_cache__hit_rate,
            toInt64(coalesce(countIf(has_inference = 1 AND cached), 0)) AS m_cache__hit_count,
            toNullable(toFloat64(avgOrNullIf(response_time_ms, has_inference = 1 AND cached))) AS m_cache__avg_latency_ms,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_request_count__count) OVER w AS prev_request_count,
            lagInFrame(m_success_request__count) OVER w AS prev_success_request,
            lagInFrame(m_failure_request__count) OVER w AS prev_failure_request,
            lagInFrame(m_queuing_time__avg_time_ms) OVER w AS prev_queuing_time,
            lagInFrame(m_input_token__count) OVER w AS prev_input_token,
            lagInFrame(m_output_token__count) OVER w AS prev_output_token,
            lagInFrame(m_concurrent_requests__avg) OVER w AS prev_concurrent_requests,
            lagInFrame(m_ttft__avg) OVER w AS prev_ttft,
            lagInFrame(m_latency__avg) OVER w AS prev_latency,
            lagInFrame(m_throughput__avg) OVER w AS prev_throughput,
            lagInFrame(m_cache__hit_rate) OVER w AS prev_cache
        FROM source
        GROUP BY bucket, g_model
        WINDOW w AS (PARTITION BY g_model ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.g_model AS g_model, a.m_request_count__count AS m_request_count__count, a.m_success_request__count AS m_success_request__count, a.m_success_request__rate AS m_success_request__rate, a.m_failure_request__count AS m_failure_request__count, a.m_failure_request__rate AS m_failure_request__rate, a.m_queuing_time__avg_time_ms AS m_queuing_time__avg_time_ms, a.m_input_token__count AS m_input_token__count, a.m_output_token__count AS m_output_token__count, a.m_concurrent_requests__avg AS m_concurrent_requests__avg, a.m_ttft__avg AS m_ttft__avg, a.m_ttft__p95 AS m_ttft__p95, a.m_ttft__p99 AS m_ttft__p99, a.m_latency__avg AS m_latency__avg, a.m_latency__p95 AS m_latency__p95, a.m_latency__p99 AS m_latency__p99, a.m_throughput__avg AS m_throughput__avg, a.m_cache__hit_rate AS m_cache__hit_rate, a.m_cache__hit_count AS m_cache__hit_count, a.m_cache__avg_latency_ms AS m_cache__avg_latency_ms, a.has_previous AS has_previous, a.prev_request_count AS prev_request_count, a.prev_success_request AS prev_success_request, a.prev_failure_request AS prev_failure_request, a.prev_queuing_time AS prev_queuing_time, a.prev_input_token AS prev_input_token, a.prev_output_token AS prev_output_token, a.prev_concurrent_requests AS prev_concurrent_requests, a.prev_ttft AS prev_ttft, a.prev_latency AS prev_latency, a.prev_throughput AS prev_throughput, a.prev_cache AS prev_cache
FROM (SELECT arrayJoin(arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(addDays(toDate(range_from, tz), i * 1), tz))) * 1000, range(toUInt64(intDiv(dateDiff('day', toDate(range_from, tz), toDate(range_to, tz)), 1)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC, toString(g_model) ASC
SETTINGS max_execution_time = 60
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-01-08 00:00:00.000
--   {tz:String} = UTC
