package ai.bud.metrics.ingest;

import ai.bud.metrics.errors.FieldError;
import java.util.List;
import java.util.stream.Collectors;

/** An event that breaks SPEC section 3's field rules; it is dead-lettered and reported, never stored. */
public class InvalidEventException extends RuntimeException {

    private final List<FieldError> errors;

    public InvalidEventException(List<FieldError> errors) {
        super(errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
