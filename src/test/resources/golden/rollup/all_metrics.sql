-- request: {"metrics":["request_count","success_request","failure_request","queuing_time","input_token","output_token","concurrent_requests","ttft","latency","throughput","cache"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z","group_by":["model"]}
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
    inference AS (
        SELECT inference_id, input_tokens, output_tokens, response_time_ms, ttft_ms, cached, toUInt8(1) AS has_inference
        FROM ModelInference
        WHERE (timestamp >= toDateTime(range_from - INTERVAL 1 DAY, 'UTC') AND timestamp <= toDateTime(rollup_from + INTERVAL 1 DAY, 'UTC') OR timestamp >= toDateTime(rollup_to - INTERVAL 1 DAY, 'UTC') AND timestamp <= toDateTime(range_to + INTERVAL 1 DAY, 'UTC'))
    ),
    edge AS (
        SELECT b.g_model AS g_model, b.bucket AS bucket, b.arrival AS arrival, b.forward AS forward, b.is_success AS is_success,
            i.input_tokens AS input_tokens, i.output_tokens AS output_tokens, i.response_time_ms AS response_time_ms,
            i.ttft_ms AS ttft_ms, i.cached AS cached, i.has_inference AS has_inference
        FROM inference AS i
        RIGHT ANY JOIN base AS b ON i.inference_id = b.inference_id
    ),
    parts AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            sum(r.requests) AS requests,
            sum(r.successes) AS successes,
            sum(r.queuing_ms) AS queuing_ms,
            sum(r.inferences) AS inferences,
            sum(r.input_tokens) AS input_tokens,
            sum(r.output_tokens) AS output_tokens,
            sum(r.ttft_ms_sum) AS ttft_ms_sum,
            sum(r.ttft_ms_count) AS ttft_ms_count,
            sumMap(r.ttft_ms_histogram) AS ttft_ms_histogram,
            sum(r.response_ms_sum) AS response_ms_sum,
            sum(r.response_ms_count) AS response_ms_count,
            sumMap(r.response_ms_histogram) AS response_ms_histogram,
            sum(r.throughput_sum) AS throughput_sum,
            sum(r.throughput_count) AS throughput_count,
            sum(r.cached) AS cached,
            sum(r.cached_response_ms_sum) AS cached_response_ms_sum,
            sum(r.cached_response_ms_count) AS cached_response_ms_count
        FROM InferenceRollupDailyByModel AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        GROUP BY bucket, g_model
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            sum(r.requests) AS requests,
            sum(r.successes) AS successes,
            sum(r.queuing_ms) AS queuing_ms,
            sum(r.inferences) AS inferences,
            sum(r.input_tokens) AS input_tokens,
            sum(r.output_tokens) AS output_tokens,
            sum(r.ttft_ms_sum) AS ttft_ms_sum,
            sum(r.ttft_ms_count) AS ttft_ms_count,
            sumMap(r.ttft_ms_histogram) AS ttft_ms_histogram,
            sum(r.response_ms_sum) AS response_ms_sum,
            sum(r.response_ms_count) AS response_ms_count,
            sumMap(r.response_ms_histogram) AS response_ms_histogram,
            sum(r.throughput_sum) AS throughput_sum,
            sum(r.throughput_count) AS throughput_count,
            sum(r.cached) AS cached,
            sum(r.cached_response_ms_sum) AS cached_response_ms_sum,
            sum(r.cached_response_ms_count) AS cached_response_ms_count
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
        GROUP BY bucket, g_model
        UNION ALL
        SELECT bucket, g_model,
            count() AS edge_requests,
            countIf(is_success) AS edge_successes,
            sum(toUnixTimestamp64Milli(forward) - toUnixTimestamp64Milli(arrival)) AS edge_queuing_ms,
            countIf(has_inference = 1) AS edge_inferences,
            sum(toUInt64(coalesce(input_tokens, 0))) AS edge_input_tokens,
            sum(toUInt64(coalesce(output_tokens, 0))) AS edge_output_tokens,
            sum(toUInt64(coalesce(ttft_ms, 0))) AS edge_ttft_ms_sum,
            count(ttft_ms) AS edge_ttft_ms_count,
            sumMapIf([if(assumeNotNull(ttft_ms) = 0, toInt16(-1), toInt16(ceil(log(greatest(assumeNotNull(ttft_ms), 1)) / log(101 / 99))))], [toUInt64(1)], isNotNull(ttft_ms)) AS edge_ttft_ms_histogram,
            sum(toUInt64(coalesce(response_time_ms, 0))) AS edge_response_ms_sum,
            count(response_time_ms) AS edge_response_ms_count,
            sumMapIf([if(assumeNotNull(response_time_ms) = 0, toInt16(-1), toInt16(ceil(log(greatest(assumeNotNull(response_time_ms), 1)) / log(101 / 99))))], [toUInt64(1)], isNotNull(response_time_ms)) AS edge_response_ms_histogram,
            sumIf(toFloat64(assumeNotNull(output_tokens)) * 1000 / assumeNotNull(response_time_ms), isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0) AS edge_throughput_sum,
            countIf(isNotNull(output_tokens) AND coalesce(response_time_ms, 0) > 0) AS edge_throughput_count,
            countIf(has_inference = 1 AND cached) AS edge_cached,
            sum(if(has_inference = 1 AND cached, toUInt64(coalesce(response_time_ms, 0)), 0)) AS edge_cached_response_ms_sum,
            countIf(isNotNull(response_time_ms) AND has_inference = 1 AND cached) AS edge_cached_response_ms_count
        FROM edge
        GROUP BY bucket, g_model
    ),
    seconds AS (
        SELECT c.model_id AS g_model, c.second AS second, sum(c.requests) AS requests
        FROM InferenceSecondCounts AS c
        WHERE c.second >= rollup_from AND c.second < rollup_to
        GROUP BY g_model, second
        HAVING requests > 1
        UNION ALL
        SELECT g_model, toDateTime(arrival, 'UTC') AS second, count() AS requests
        FROM base
        GROUP BY g_model, second
        HAVING requests > 1
    ),
    peaks AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(second, 3, 'UTC'), tz), tz))) * 1000 AS bucket, g_model, max(requests) AS same_second
        FROM seconds
        GROUP BY bucket, g_model
    ),
    source AS (
        SELECT p.bucket AS bucket, p.g_model AS g_model, p.requests AS requests, p.successes AS successes, p.queuing_ms AS queuing_ms, p.inferences AS inferences, p.input_tokens AS input_tokens, p.output_tokens AS output_tokens, p.ttft_ms_sum AS ttft_ms_sum, p.ttft_ms_count AS ttft_ms_count, p.ttft_ms_histogram AS ttft_ms_histogram, p.response_ms_sum AS response_ms_sum, p.response_ms_count AS response_ms_count, p.response_ms_histogram AS response_ms_histogram, p.throughput_sum AS throughput_sum, p.throughput_count AS throughput_count, p.cached AS cached, p.cached_response_ms_sum AS cached_response_ms_sum, p.cached_response_ms_count AS cached_response_ms_count,
            k.same_second AS same_second
        FROM parts AS p
        LEFT JOIN peaks AS k ON k.bucket = p.bucket AND k.g_model = p.g_model
    ),
    answer AS (
        SELECT bucket, g_model, toUInt64(0) AS series_rank, toUInt8(1) AS has_data,
            sumMap(ttft_ms_histogram) AS ttft_ms_sketch,
            sumMap(response_ms_histogram) AS response_ms_sketch,
            toInt64(coalesce(sum(requests), 0)) AS m_request_count__count,
            toInt64(coalesce(sum(successes), 0)) AS m_success_request__count,
            toFloat64(coalesce(sum(successes) * 100 / sum(requests), 0)) AS m_success_request__rate,
            toInt64(coalesce((sum(requests) - sum(successes)), 0)) AS m_failure_request__count,
            toFloat64(coalesce((sum(requests) - sum(successes)) * 100 / sum(requests), 0)) AS m_failure_request__rate,
            toFloat64(coalesce(sum(queuing_ms) / nullIf(sum(requests), 0), 0)) AS m_queuing_time__avg_time_ms,
            toInt64(coalesce(sum(input_tokens), 0)) AS m_input_token__count,
            toInt64(coalesce(sum(output_tokens), 0)) AS m_output_token__count,
            toFloat64(coalesce(if(max(same_second) > 1, max(same_second), 0), 0)) AS m_concurrent_requests__avg,
            toFloat64(coalesce(sum(ttft_ms_sum) / nullIf(sum(ttft_ms_count), 0), 0)) AS m_ttft__avg,
            toFloat64(coalesce(sum(response_ms_sum) / nullIf(sum(response_ms_count), 0), 0)) AS m_latency__avg,
            toFloat64(coalesce(sum(throughput_sum) / nullIf(sum(throughput_count), 0), 0)) AS m_throughput__avg,
            toFloat64(coalesce(if(sum(inferences) = 0, 0, sum(cached) * 100 / sum(inferences)), 0)) AS m_cache__hit_rate,
            toInt64(coalesce(sum(cached), 0)) AS m_cache__hit_count,
            toNullable(toFloat64(sum(cached_response_ms_sum) / nullIf(sum(cached_response_ms_count), 0))) AS m_cache__avg_latency_ms,
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
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.g_model AS g_model, a.m_request_count__count AS m_request_count__count, a.m_success_request__count AS m_success_request__count, a.m_success_request__rate AS m_success_request__rate, a.m_failure_request__count AS m_failure_request__count, a.m_failure_request__rate AS m_failure_request__rate, a.m_queuing_time__avg_time_ms AS m_queuing_time__avg_time_ms, a.m_input_token__count AS m_input_token__count, a.m_output_token__count AS m_output_token__count, a.m_concurrent_requests__avg AS m_concurrent_requests__avg, a.m_ttft__avg AS m_ttft__avg, a.ttft_ms_sketch AS ttft_ms_sketch, a.m_latency__avg AS m_latency__avg, a.response_ms_sketch AS response_ms_sketch, a.m_throughput__avg AS m_throughput__avg, a.m_cache__hit_rate AS m_cache__hit_rate, a.m_cache__hit_count AS m_cache__hit_count, a.m_cache__avg_latency_ms AS m_cache__avg_latency_ms, a.has_previous AS has_previous, a.prev_request_count AS prev_request_count, a.prev_success_request AS prev_success_request, a.prev_failure_request AS prev_failure_request, a.prev_queuing_time AS prev_queuing_time, a.prev_input_token AS prev_input_token, a.prev_output_token AS prev_output_token, a.prev_concurrent_requests AS prev_concurrent_requests, a.prev_ttft AS prev_ttft, a.prev_latency AS prev_latency, a.prev_throughput AS prev_throughput, a.prev_cache AS prev_cache
FROM (SELECT arrayJoin(arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(addDays(toDate(range_from, tz), i * 1), tz))) * 1000, range(toUInt64(intDiv(dateDiff('day', toDate(range_from, tz), toDate(range_to, tz)), 1)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
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
