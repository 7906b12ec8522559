package ai.bud.metrics.ingest.store;

import java.time.LocalDateTime;
import java.util.Objects;
import java.util.UUID;

/**
 * One inference as stored in ModelInferenceDetails, already validated (the ingest flow builds it with its EventValidator).
 * Times are UTC at millisecond precision; {@code requestIp} is the IPv6 text ClickHouse stores (IPv4 mapped);
 * {@code responseAnalysis} is JSON text of an object.
 */
public record InferenceEvent(UUID inferenceId, UUID projectId, UUID endpointId, UUID modelId, boolean isSuccess,
        LocalDateTime requestArrivalTime, LocalDateTime requestForwardTime, Double cost, String requestIp, String responseAnalysis,
        String apiKeyId, String userId, String apiKeyProjectId, String errorCode, String errorMessage, String errorType,
        Integer statusCode) {

    public InferenceEvent {
        Objects.requireNonNull(inferenceId, "inferenceId");
        Objects.requireNonNull(projectId, "projectId");
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(requestArrivalTime, "requestArrivalTime");
        Objects.requireNonNull(requestForwardTime, "requestForwardTime");
        if (requestForwardTime.isBefore(requestArrivalTime)) {
            throw new IllegalArgumentException("request_forward_time is before request_arrival_time");
        }
        if (cost != null && (cost.isNaN() || cost.isInfinite() || cost < 0)) {
            throw new IllegalArgumentException("cost must be a finite number >= 0");
        }
    }
}
