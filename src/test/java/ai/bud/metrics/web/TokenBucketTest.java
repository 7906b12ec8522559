package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Times are explicit nanosecond readings: no clock, no sleeping. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void admitsUpToTheLimitThenRefusesWithRetryAfter() {
        TokenBucket bucket = new TokenBucket(100, Duration.ofMinutes(1), 0);
        for (int i = 1; i <= 100; i++) {
            TokenBucket.Decision ok = bucket.take(1, 0);
            assertThat(ok.allowed()).isTrue();
            assertThat(ok.remaining()).isEqualTo(100 - i);
        }
        TokenBucket.Decision refused = bucket.take(1, 0);

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.limit()).isEqualTo(100);
        assertThat(refused.remaining()).isZero();
        // one token every 0.6 s: retry in 1 s (rounded up), full again in 60 s
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.resetSeconds()).isEqualTo(60);
    }

    @Test
    void refillsEvenlyOverThePeriod() {
        TokenBucket bucket = new TokenBucket(60, Duration.ofMinutes(1), 0);
        bucket.take(60, 0);

        assertThat(bucket.take(1, SECOND / 2).allowed()).isFalse();
        TokenBucket.Decision afterTen = bucket.take(1, 10 * SECOND);
        assertThat(afterTen.allowed()).isTrue();
        assertThat(afterTen.remaining()).isEqualTo(9);
        assertThat(afterTen.resetSeconds()).isEqualTo(51);
        assertThat(bucket.take(1, 1000 * SECOND).remaining()).isEqualTo(59);
    }

    @Test
    void countsEventsAndRefusesABatchLargerThanWhatIsLeft() {
        TokenBucket bucket = new TokenBucket(1000, Duration.ofSeconds(1), 0);
        assertThat(bucket.take(700, 0).remaining()).isEqualTo(300);

        TokenBucket.Decision refused = bucket.take(500, 0);

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isEqualTo(300);
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(bucket.take(300, 0).allowed()).isTrue();
    }

    @Test
    void aBatchOverTheWholeLimitPassesWhenFullAndLeavesADebt() {
        TokenBucket bucket = new TokenBucket(1000, Duration.ofSeconds(1), 0);

        TokenBucket.Decision big = bucket.take(5000, 0);

        assertThat(big.allowed()).isTrue();
        assertThat(big.remaining()).isZero();
        assertThat(big.resetSeconds()).isEqualTo(5);
        TokenBucket.Decision next = bucket.take(1, 2 * SECOND);
        assertThat(next.allowed()).isFalse();
        assertThat(next.retryAfterSeconds()).isEqualTo(3);
        assertThat(bucket.take(1, 5 * SECOND).allowed()).isTrue();
    }
}
