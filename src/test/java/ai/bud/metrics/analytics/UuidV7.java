package ai.bud.metrics.analytics;

import java.util.Random;
import java.util.UUID;

/** A UUIDv7 (RFC 9562) whose 48-bit timestamp is the given instant; the rest comes from the caller's seeded RNG. */
final class UuidV7 {

    private UuidV7() {
    }

    static UUID at(long epochMillis, Random random) {
        long high = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | (random.nextInt() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }
}
