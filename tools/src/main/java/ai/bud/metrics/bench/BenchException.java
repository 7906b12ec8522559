package ai.bud.metrics.bench;

/** A measurement that cannot go on (service down, bad input): reported as one line, exit status 1. */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
