package ai.bud.metrics.ingest;

/**
 * What became of a stream read: entries acknowledged (stored, duplicate, dead-lettered or skipped),
 * skipped (another CloudEvent type), and left pending because some event could not be stored now.
 */
public record StreamBatchResult(int acknowledged, int skipped, int pending, long inserted, long duplicates, long invalid) {
}
