package ai.bud.metrics.errors;

/** One rejected input: which field, and why. */
public record FieldError(String field, String message) {
}
