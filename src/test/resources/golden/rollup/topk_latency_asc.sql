-- request: {"metrics":["latency"],"from_date":"2024-01-01T00:00:00Z","to_date":"2024-01-08T00:00:00Z","group_by":["model"],"topk":3}
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
    source AS MATERIALIZED (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            sum(r.requests) AS requests,
            sum(r.response_ms_sum) AS response_ms_sum,
            sum(r.response_ms_count) AS response_ms_count,
            CAST(([], []), 'Tuple(Array(Int16), Array(UInt64))') AS response_ms_histogram
        FROM InferenceRollupDailyByModel AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        GROUP BY bucket, g_model
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            sum(r.requests) AS requests,
            sum(r.response_ms_sum) AS response_ms_sum,
            sum(r.response_ms_count) AS response_ms_count,
            CAST(([], []), 'Tuple(Array(Int16), Array(UInt64))') AS response_ms_histogram
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
        GROUP BY bucket, g_model
        UNION ALL
        SELECT bucket, g_model,
            count() AS edge_requests,
            sum(toUInt64(coalesce(response_time_ms, 0))) AS edge_response_ms_sum,
            count(response_time_ms) AS edge_response_ms_count,
            sumMapIf([if(assumeNotNull(response_time_ms) = 0, toInt16(-1), toInt16(ceil(log(greatest(assumeNotNull(response_time_ms), 1)) / log(101 / 99))))], [toUInt64(1)], isNotNull(response_time_ms)) AS edge_response_ms_histogram
        FROM edge
        GROUP BY bucket, g_model
    ),
    ranked AS (
        SELECT g_model, series_rank
        FROM (
            SELECT g_model, row_number() OVER (ORDER BY rank_value ASC, toString(g_model) ASC) AS series_rank
            FROM (SELECT g_model, toFloat64(coalesce(sum(response_ms_sum) / nullIf(sum(response_ms_count), 0), 0)) AS rank_value FROM source GROUP BY g_model)
        )
        WHERE series_rank <= {topk:UInt64}
    ),
    sketches AS (
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            0 AS requests,
            0 AS response_ms_sum,
            0 AS response_ms_count,
            r.response_ms_histogram AS response_ms_histogram
        FROM InferenceRollupDailyByModel AS r
        WHERE r.grain >= day_from AND r.grain < day_to
        UNION ALL
        SELECT toInt64(toUnixTimestamp(toDateTime(toDate(toDateTime64(r.grain, 3, 'UTC'), tz), tz))) * 1000 AS bucket, r.model_id AS g_model,
            0 AS requests,
            0 AS response_ms_sum,
            0 AS response_ms_count,
            r.response_ms_histogram AS response_ms_histogram
        FROM InferenceRollup AS r
        WHERE ((r.grain >= rollup_from AND r.grain < day_from) OR (r.grain >= day_to AND r.grain < rollup_to))
    ),
    answer AS (
        SELECT bucket, g_model, series_rank, toUInt8(1) AS has_data,
            sumMap(response_ms_histogram) AS response_ms_sketch,
            toFloat64(coalesce(sum(response_ms_sum) / nullIf(sum(response_ms_count), 0), 0)) AS m_latency__avg,
            lagInFrame(toUInt8(1)) OVER w AS has_previous,
            lagInFrame(m_latency__avg) OVER w AS prev_latency
        FROM (SELECT * FROM source UNION ALL SELECT * FROM sketches) AS s INNER JOIN ranked AS k USING (g_model)
        GROUP BY bucket, g_model, series_rank
        WINDOW w AS (PARTITION BY g_model ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT t.bucket AS bucket, a.has_data AS has_data, a.series_rank AS series_rank, a.g_model AS g_model, a.m_latency__avg AS m_latency__avg, a.response_ms_sketch AS response_ms_sketch, a.has_previous AS has_previous, a.prev_latency AS prev_latency
FROM (SELECT arrayJoin(arrayMap(i -> toInt64(toUnixTimestamp(toDateTime(addDays(toDate(range_from, tz), i * 1), tz))) * 1000, range(toUInt64(intDiv(dateDiff('day', toDate(range_from, tz), toDate(range_to, tz)), 1)) + 1))) AS bucket) AS t
LEFT JOIN answer AS a ON a.bucket = t.bucket
ORDER BY bucket DESC, series_rank ASC, toString(g_model) ASC
SETTINGS max_execution_time = 60, enable_materialized_cte = 1
-- params:
--   {range_from:DateTime64(3, 'UTC')} = 2024-01-01 00:00:00.000
--   {range_to:DateTime64(3, 'UTC')} = 2024-01-08 00:00:00.000
--   {tz:String} = UTC
--   {rollup_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {rollup_to:DateTime('UTC')} = 2024-01-08 00:00:00
--   {day_from:DateTime('UTC')} = 2024-01-01 00:00:00
--   {day_to:DateTime('UTC')} = 2024-01-08 00:00:00
--   {topk:UInt64} = 3
