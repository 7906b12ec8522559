package ai.bud.metrics.seed;

import java.util.List;

/** Where generated inferences go. Implementations are called from several threads at once. */
interface InferenceSink {

    BatchOutcome write(List<GeneratedInference> batch);
}
