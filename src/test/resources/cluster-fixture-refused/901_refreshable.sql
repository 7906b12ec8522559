-- A statement ClusterSchema has no cluster form for (ClusterSchemaTest): the cluster migration must fail naming it.
CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.RefreshedEveryMinute REFRESH EVERY 1 MINUTE APPEND TO ${database}.IngestDeadLetter AS
SELECT now64(3) AS received_at, 'refresh' AS source, NULL AS reference, 0 AS entry_index, NULL AS entry_id, NULL AS inference_id,
    '' AS error, '' AS payload;
