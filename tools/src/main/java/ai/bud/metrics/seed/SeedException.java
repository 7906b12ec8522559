package ai.bud.metrics.seed;

/** Seeding cannot go on: an unreachable service or database, or a refused request. The message says which. */
final class SeedException extends RuntimeException {

    SeedException(String message) {
        super(message);
    }

    SeedException(String message, Throwable cause) {
        super(message, cause);
    }
}
