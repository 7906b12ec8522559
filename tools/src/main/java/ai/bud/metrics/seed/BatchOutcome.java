package ai.bud.metrics.seed;

/** What happened to one batch: how many inferences were stored, skipped as duplicates, or lost. */
record BatchOutcome(int sent, int inserted, int duplicates, int failed, int modelInferenceInserted, String problem) {
}
