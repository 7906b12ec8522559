package ai.bud.metrics.seed;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Straight into ClickHouse: one bulk {@code INSERT … FORMAT TabSeparated} per table and batch. Inferences whose id
 * is already stored (a re-run of the same seed) are skipped and counted as duplicates, so a table never holds an
 * inference twice.
 */
final class DirectSink implements InferenceSink {

    private final ClickHouseHttp clickHouse;
    private final boolean includeModelInference;
    private final Set<UUID> alreadyStored;

    DirectSink(ClickHouseHttp clickHouse, boolean includeModelInference, Set<UUID> alreadyStored) {
        this.clickHouse = clickHouse;
        this.includeModelInference = includeModelInference;
        this.alreadyStored = alreadyStored;
    }

    @Override
    public BatchOutcome write(List<GeneratedInference> batch) {
        List<GeneratedInference> fresh = batch;
        if (!alreadyStored.isEmpty()) {
            fresh = new ArrayList<>(batch.size());
            for (GeneratedInference inference : batch) {
                if (!alreadyStored.contains(inference.inferenceId())) {
                    fresh.add(inference);
                }
            }
        }
        clickHouse.insertOnce("ModelInferenceDetails", RowEncoder.DETAILS_COLUMNS, "TabSeparated", RowEncoder.detailsTsv(fresh),
                fresh.stream().map(GeneratedInference::inferenceId).toList());
        int calls = 0;
        if (includeModelInference) {
            List<UUID> called = fresh.stream().filter(i -> i.modelCall() != null).map(GeneratedInference::inferenceId).toList();
            clickHouse.insertOnce("ModelInference", RowEncoder.MODEL_INFERENCE_COLUMNS, "TabSeparated", RowEncoder.modelInferenceTsv(fresh),
                    called);
            calls = called.size();
        }
        return new BatchOutcome(batch.size(), fresh.size(), batch.size() - fresh.size(), 0, calls, null);
    }
}
