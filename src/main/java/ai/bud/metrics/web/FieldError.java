package ai.bud.metrics.web;

/** One rejected input: which field, and why. */
public record FieldError(String field, String message) {
}
