package ai.bud.metrics.ingest.edge;

import ai.bud.metrics.ingest.EventValidator;
import ai.bud.metrics.ingest.IngestBatch;
import ai.bud.metrics.ingest.Outcome;
import ai.bud.metrics.ingest.RawEntry;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The 200 answer of SPEC section 3 (the old service's envelope), with Dapr's {@code statuses} per entryId, and
 * {@code status} for a delivery that was one CloudEvent (possibly carrying a bulk) or one event's raw fields.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IngestReply(String status, String object, String message, Param param, List<EntryStatus> statuses) {

    static final int MAX_DETAILS = 10;

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Param(Summary summary, Details details) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Summary(@JsonProperty("total_entries") long totalEntries, @JsonProperty("successfully_inserted") long successfullyInserted,
            @JsonProperty("duplicates_skipped") long duplicatesSkipped, @JsonProperty("validation_failures") long validationFailures,
            @JsonProperty("retry_later") long retryLater) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Details(@JsonProperty("duplicate_inference_ids") List<String> duplicateInferenceIds,
            @JsonProperty("validation_errors") List<ValidationError> validationErrors) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ValidationError(int index, @JsonProperty("inference_id") String inferenceId, String error) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record EntryStatus(String entryId, String status) {
    }

    public static IngestReply of(IngestBatch batch) {
        long inserted = batch.count(Outcome.INSERTED);
        long duplicates = batch.count(Outcome.DUPLICATE);
        long invalid = batch.count(Outcome.INVALID);
        long retry = batch.retries();
        Set<String> duplicateIds = new LinkedHashSet<>();
        List<ValidationError> errors = new ArrayList<>();
        List<EntryStatus> statuses = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            RawEntry entry = batch.entry(i);
            if (batch.outcome(i) == Outcome.DUPLICATE && duplicateIds.size() < MAX_DETAILS) {
                duplicateIds.add(batch.event(i).inferenceId().toString());
            }
            if (batch.outcome(i) == Outcome.INVALID && errors.size() < MAX_DETAILS) {
                errors.add(new ValidationError(entry.index(), EventValidator.reportedId(entry.fields()), batch.error(i)));
            }
            if (entry.entryId() != null) {
                statuses.add(new EntryStatus(entry.entryId(), batch.status(i)));
            }
        }
        StringBuilder message = new StringBuilder("Successfully inserted " + inserted + " new records. Skipped " + duplicates
                + " duplicate records");
        if (invalid > 0) {
            message.append(". ").append(invalid).append(" records failed validation");
        }
        long dropped = batch.count(Outcome.DROPPED);
        if (dropped > 0) {
            message.append(". Dropped ").append(dropped).append(" records on purpose (a route filter)");
        }
        if (retry > 0) {
            message.append(". ").append(retry).append(" records could not be stored now, retry later");
        }
        String status = switch (batch.kind()) {
            case CLOUD_EVENT, CLOUD_EVENT_BULK, RAW -> overallStatus(batch);
            case DAPR_BULK -> null;
        };
        return new IngestReply(status, "info", message.toString(),
                new Param(new Summary(batch.size(), inserted, duplicates, invalid, retry), new Details(List.copyOf(duplicateIds), errors)),
                statuses);
    }

    /** One status for a whole CloudEvent: RETRY if any entry must be retried, DROP if none was usable, else SUCCESS. */
    static String overallStatus(IngestBatch batch) {
        boolean anySuccess = false;
        for (int i = 0; i < batch.size(); i++) {
            String status = batch.status(i);
            if (status.equals("RETRY")) {
                return "RETRY";
            }
            anySuccess |= status.equals("SUCCESS");
        }
        return anySuccess ? "SUCCESS" : "DROP";
    }
}
