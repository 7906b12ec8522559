package ai.bud.metrics.seed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Through the service: each batch is one Dapr bulk delivery posted to {@code /observability/add}, and the reply's
 * summary says what was stored. ModelInference rows are the gateway's, not the service's, so they go straight to
 * ClickHouse, only for inferences the service stored now (not for duplicates or rejected entries).
 */
final class ApiSink implements InferenceSink {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int ATTEMPTS = 4;
    private static final int MAX_THROTTLED_WAITS = 120;

    private final HttpClient client;
    private final URI endpoint;
    private final ClickHouseHttp clickHouse;
    private final boolean includeModelInference;
    private final String apiToken;
    private final AtomicBoolean reachedOnce = new AtomicBoolean();
    private final AtomicLong envelopes = new AtomicLong();
    private final long seed;

    ApiSink(URI serviceUrl, ClickHouseHttp clickHouse, boolean includeModelInference, String apiToken, long seed) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        String base = serviceUrl.toString();
        this.endpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/observability/add");
        this.clickHouse = clickHouse;
        this.includeModelInference = includeModelInference;
        this.apiToken = apiToken;
        this.seed = seed;
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public BatchOutcome write(List<GeneratedInference> batch) {
        String envelopeId = new UUID(seed, envelopes.incrementAndGet()).toString();
        byte[] body = RowEncoder.daprBulkEnvelope(envelopeId, batch);
        HttpResponse<String> response = post(body, batch.size());
        if (response == null) {
            return new BatchOutcome(batch.size(), 0, 0, batch.size(), 0, "no answer from " + endpoint + " after " + ATTEMPTS + " attempts");
        }
        if (response.statusCode() != 200) {
            return new BatchOutcome(batch.size(), 0, 0, batch.size(), 0,
                    "HTTP " + response.statusCode() + " from " + endpoint + ": " + abbreviate(response.body()));
        }
        JsonNode reply;
        try {
            reply = MAPPER.readTree(response.body());
        } catch (IOException e) {
            return new BatchOutcome(batch.size(), 0, 0, batch.size(), 0, "unreadable reply from " + endpoint + ": " + abbreviate(response.body()));
        }
        JsonNode summary = reply.path("param").path("summary");
        int inserted = summary.path("successfully_inserted").asInt(0);
        int duplicates = summary.path("duplicates_skipped").asInt(0);
        int failed = batch.size() - inserted - duplicates;
        String problem = null;
        JsonNode errors = reply.path("param").path("details").path("validation_errors");
        if (errors.isArray() && !errors.isEmpty()) {
            problem = "rejected: " + errors.get(0).path("error").asText() + " (" + errors.get(0).path("inference_id").asText() + ")";
        } else if (failed > 0) {
            problem = failed + " entries not stored: " + abbreviate(response.body());
        }
        int calls = 0;
        if (includeModelInference && inserted > 0) {
            calls = writeModelInference(batch, reply, duplicates);
        }
        return new BatchOutcome(batch.size(), inserted, duplicates, failed, calls, problem);
    }

    /** The ModelInference rows of the inferences stored by this request: SUCCESS, and not already in the table. */
    private int writeModelInference(List<GeneratedInference> batch, JsonNode reply, int duplicates) {
        Map<String, String> statuses = new HashMap<>();
        for (JsonNode status : reply.path("statuses")) {
            statuses.put(status.path("entryId").asText(), status.path("status").asText());
        }
        List<GeneratedInference> stored = new ArrayList<>(batch.size());
        for (GeneratedInference inference : batch) {
            String status = statuses.get(inference.inferenceId().toString());
            if (inference.modelCall() != null && (status == null || "SUCCESS".equals(status))) {
                stored.add(inference);
            }
        }
        if (duplicates > 0 && !stored.isEmpty()) {
            Set<UUID> present = presentInModelInference(stored);
            stored.removeIf(inference -> present.contains(inference.inferenceId()));
        }
        clickHouse.insertOnce("ModelInference", RowEncoder.MODEL_INFERENCE_COLUMNS, "TabSeparated", RowEncoder.modelInferenceTsv(stored),
                stored.stream().map(GeneratedInference::inferenceId).toList());
        return stored.size();
    }

    private Set<UUID> presentInModelInference(List<GeneratedInference> candidates) {
        // the ids are UUIDs this program generated, so their text is safe in the statement
        String ids = candidates.stream().map(i -> "'" + i.inferenceId() + "'").collect(Collectors.joining(","));
        String answer = clickHouse.query("SELECT DISTINCT inference_id FROM ModelInference WHERE inference_id IN (" + ids + ")");
        Set<UUID> present = new HashSet<>();
        for (String line : answer.split("\n")) {
            if (!line.isBlank()) {
                present.add(UUID.fromString(line.strip()));
            }
        }
        return present;
    }

    private HttpResponse<String> post(byte[] body, int entries) {
        int throttled = 0;
        for (int attempt = 1; attempt <= ATTEMPTS; ) {
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(Duration.ofMinutes(2))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (apiToken != null && !apiToken.isBlank()) {
                request.header("dapr-api-token", apiToken);
            }
            try {
                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                reachedOnce.set(true);
                int status = response.statusCode();
                if (status == 404 || status == 405) {
                    throw new SeedException("POST " + endpoint + " answered HTTP " + status
                            + ": this service has no ingestion endpoint there (is the URL the budmetrics service?)");
                }
                if (status == 401 || status == 403) {
                    throw new SeedException("POST " + endpoint + " answered HTTP " + status + ": set APP_API_TOKEN to the service's token");
                }
                if (status == 429 && throttled++ < MAX_THROTTLED_WAITS) {
                    sleep(retryAfterMillis(response));
                    continue;
                }
                if (status >= 500 && attempt < ATTEMPTS) {
                    sleep(500L * attempt++);
                    continue;
                }
                return response;
            } catch (IOException e) {
                if (!reachedOnce.get() && e instanceof ConnectException) {
                    throw new SeedException("cannot reach the service at " + endpoint + " (connection refused): start it with"
                            + " scripts/run.sh, or point --url at it", e);
                }
                if (attempt == ATTEMPTS) {
                    return null;
                }
                sleep(500L * attempt++);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SeedException("interrupted", e);
            }
        }
        return null;
    }

    private static long retryAfterMillis(HttpResponse<String> response) {
        try {
            return Math.max(100, Math.min(60_000, (long) (Double.parseDouble(response.headers().firstValue("Retry-After").orElse("1")) * 1000)));
        } catch (NumberFormatException e) {
            return 1000;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SeedException("interrupted", e);
        }
    }

    private static String abbreviate(String text) {
        String t = text == null ? "" : text.strip();
        return t.length() <= 300 ? t : t.substring(0, 300) + "…";
    }
}
