package ai.bud.metrics.seed;

import java.util.SplittableRandom;
import java.util.UUID;

/** UUIDs drawn from a seeded generator, so a seed reproduces them. */
final class Uuids {

    private Uuids() {
    }

    /** A version-4 (random) UUID. */
    static UUID v4(SplittableRandom random) {
        long msb = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** A version-7 UUID whose embedded Unix time is {@code epochMillis} (what {@code UUIDv7ToDateTime} reads). */
    static UUID v7(long epochMillis, SplittableRandom random) {
        long msb = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0fffL);
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** The Unix time in milliseconds a version-7 UUID carries. */
    static long v7Millis(UUID uuid) {
        return uuid.getMostSignificantBits() >>> 16;
    }
}
