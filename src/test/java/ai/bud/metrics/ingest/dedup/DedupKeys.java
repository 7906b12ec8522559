package ai.bud.metrics.ingest.dedup;

import java.time.Duration;
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

    /** What the key of {@code id} says, a committed batch's claim read as {@code d} (see {@link Deduplicator#state}). */
    public static String state(Deduplicator dedup, UUID id) {
        return dedup.state(id);
    }

    /** Claims {@code id} as another writer's batch {@code token} would, until {@code untilMillis}. */
    public static void holdElsewhere(Deduplicator dedup, UUID id, String token, long untilMillis, Duration keyTtl) {
        dedup.holdElsewhere(id, token, untilMillis, keyTtl);
    }

    public static String claimValue(String token, long untilMillis) {
        return Deduplicator.claimValue(token, untilMillis);
    }
}
