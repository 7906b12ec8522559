package ai.bud.metrics.seed;

import java.util.Map;
import java.util.UUID;

/**
 * One generated inference: the ModelInferenceDetails event the gateway publishes, and the gateway's own
 * ModelInference row for the same inference id ({@code modelCall}, absent when the call never reached a model).
 */
record GeneratedInference(
        UUID inferenceId,
        String requestIp,
        UUID projectId,
        UUID endpointId,
        UUID modelId,
        Double cost,
        Map<String, Object> responseAnalysis,
        boolean success,
        long arrivalMillis,
        long forwardMillis,
        String apiKeyId,
        String userId,
        String apiKeyProjectId,
        String errorCode,
        String errorMessage,
        String errorType,
        Integer statusCode,
        ModelCall modelCall) {

    /** A ModelInference row; {@code id} is a UUIDv7 carrying the arrival time. */
    record ModelCall(
            UUID id,
            String rawRequest,
            String rawResponse,
            String modelName,
            String providerName,
            Integer inputTokens,
            Integer outputTokens,
            Integer responseTimeMs,
            Integer ttftMs,
            String system,
            String inputMessages,
            String output,
            boolean cached,
            String finishReason) {
    }
}
