package ai.bud.metrics.ingest;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the ingestion flow ({@code budmetrics.ingest.*}).
 *
 * @param maxBodySize largest accepted HTTP body (SPEC: 10 MB)
 * @param dedup       the Redis claim scheme that keeps one row per inference_id (see docs/ARCHITECTURE.md)
 * @param insert      how the inserts of concurrent batches are joined (group commit)
 */
@ConfigurationProperties("budmetrics.ingest")
public record IngestProperties(@DefaultValue("10MB") DataSize maxBodySize, @DefaultValue Dedup dedup, @DefaultValue Insert insert) {

    /**
     * @param maxRows most rows joined into one INSERT
     * @param writers INSERTs of ModelInferenceDetails that may run at once (1 joins the most batches)
     * @param linger  how long a writer under load (its last INSERT, or the one it gathers, joins several batches) waits
     *                for more batches before it sends; a lone batch never waits (0: never)
     */
    public record Insert(@DefaultValue("20000") int maxRows, @DefaultValue("1") int writers, @DefaultValue("30ms") Duration linger) {
    }

    /**
     * @param keyPrefix prefix of the Redis keys; the database name follows it, so databases never share markers
     * @param claimTtl  how long a claim protects an id; an insert is given at most half of it
     * @param claimWait how long an entry waits for a claim held by another writer before it is answered RETRY
     * @param doneTtl   how long an id's key (stored marker, or trace of an attempt) lives: it short-cuts the
     *                  ClickHouse existence check for redeliveries, and events that arrived less than this (less the
     *                  clock skew) ago with no key skip the check (0 = no keys kept; ClickHouse alone decides).
     *                  Short: a marker must not outlive rows deleted on purpose; Redis holds one key per id of this window.
     * @param clockSkew how far the gateway's clock (an event's request_arrival_time) may run ahead of Redis's
     * @param tableCheck how often the identity of ModelInferenceDetails is read again: the keys belong to one table
     *                  instance, and a recreated, restored or other table starts a new key set (see TableIdentity)
     */
    public record Dedup(@DefaultValue("budmetrics:dedup") String keyPrefix, @DefaultValue("60s") Duration claimTtl,
            @DefaultValue("5s") Duration claimWait, @DefaultValue("10m") Duration doneTtl, @DefaultValue("30s") Duration clockSkew,
            @DefaultValue("5s") Duration tableCheck) {
    }
}
