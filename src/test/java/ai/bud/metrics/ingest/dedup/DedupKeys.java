package ai.bud.metrics.ingest.dedup;

import java.util.UUID;

/** The Redis keys and values of a {@link Deduplicator}, for tests of the flow that set or read them directly. */
public final class DedupKeys {

    private DedupKeys() {
    }

    public static String key(Deduplicator dedup, UUID id) {
        return dedup.key(id);
    }

    public static String sinceKey(Deduplicator dedup) {
        return dedup.sinceKey();
    }

    public static String sinceValue(Deduplicator dedup, long millis) {
        return dedup.sinceValue(millis);
    }

    public static String claimValue(String token, long untilMillis) {
        return Deduplicator.claimValue(token, untilMillis);
    }
}
