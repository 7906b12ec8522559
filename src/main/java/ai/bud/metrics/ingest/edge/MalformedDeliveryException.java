package ai.bud.metrics.ingest.edge;

/** The delivery as a whole cannot be read (not JSON, no entries, entries not a list): a 4xx over HTTP. */
public class MalformedDeliveryException extends RuntimeException {

    private final String field;

    public MalformedDeliveryException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    public String reason() {
        String message = getMessage();
        return message.substring(field.length() + 2);
    }
}
