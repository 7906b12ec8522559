package ai.bud.metrics.components.redisstream;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.components.redisstream.RetrySchedule.Attempt;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The stream consumer's retry policy, on a clock the test moves (nanoseconds). */
class RetryScheduleTest {

    private static final long MS = 1_000_000L;
    private static final int BATCH = 100;

    private final RetrySchedule schedule = new RetrySchedule(Duration.ofMillis(500), Duration.ofSeconds(30), BATCH, 0);

    @Test
    void atStartTheOwnPendingEntriesAreReadFirst() {
        assertThat(schedule.retryDue(0)).isTrue();
        schedule.retried(new Attempt(0, false), 0);
        assertThat(schedule.retryDue(10_000 * MS)).isFalse();
        assertThat(schedule.mayReadNew()).isTrue();
        assertThat(schedule.nanosUntilRetry(0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aFewFailedEntriesDoNotStopNewReadsAndAreRetriedSoonWhileOthersAreStored() {
        schedule.retried(new Attempt(0, false), 0);
        schedule.processed(new Attempt(2, true), 0); // two poison entries among stored ones
        assertThat(schedule.held()).isEqualTo(2);
        assertThat(schedule.mayReadNew()).isTrue();
        assertThat(schedule.retryDue(499 * MS)).isFalse();
        assertThat(schedule.retryDue(500 * MS)).isTrue();
        long now = 500 * MS;
        for (int round = 0; round < 5; round++) {
            schedule.retried(new Attempt(2, false), now); // the poison fails again: the pause doubles …
            long doubled = schedule.nanosUntilRetry(now);
            assertThat(doubled).isEqualTo(1000 * MS);
            schedule.processed(new Attempt(0, true), now + MS); // … until new entries are stored: storage works
            assertThat(schedule.nanosUntilRetry(now + MS)).isEqualTo(500 * MS);
            now += 501 * MS;
        }
        schedule.retried(new Attempt(0, true), now); // dead-lettered at the limit
        assertThat(schedule.held()).isZero();
        assertThat(schedule.retryDue(now + 60_000 * MS)).isFalse();
    }

    @Test
    void aWholeFailedBatchStopsNewReadsAndRetriesBackOffToTheMaximum() {
        schedule.retried(new Attempt(0, false), 0);
        schedule.processed(new Attempt(BATCH, false), 0); // storage down
        assertThat(schedule.mayReadNew()).isFalse();
        long now = 0;
        long expected = 500;
        for (int round = 0; round < 10; round++) {
            now += schedule.nanosUntilRetry(now);
            assertThat(schedule.retryDue(now)).isTrue();
            schedule.retried(new Attempt(BATCH, false), now);
            expected = Math.min(expected * 2, 30_000);
            assertThat(schedule.nanosUntilRetry(now)).isEqualTo(expected * MS);
            assertThat(schedule.mayReadNew()).isFalse();
        }
        schedule.retried(new Attempt(0, true), now); // storage is back
        assertThat(schedule.mayReadNew()).isTrue();
        assertThat(schedule.backoff()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void fewerFailuresThanABatchKeepReadingUntilABatchIsHeld() {
        schedule.retried(new Attempt(0, false), 0);
        for (int read = 0; read < 9; read++) {
            schedule.processed(new Attempt(10, false), read * MS);
            assertThat(schedule.mayReadNew()).isTrue();
        }
        assertThat(schedule.nanosUntilRetry(9 * MS)).isEqualTo(491 * MS); // the first failure set the time
        schedule.processed(new Attempt(10, false), 10 * MS);
        assertThat(schedule.mayReadNew()).isFalse();
    }

    @Test
    void anErrorPausesThenReadsEverythingAgain() {
        schedule.retried(new Attempt(3, false), 0);
        Duration pause = schedule.failed(0);
        assertThat(pause).isEqualTo(Duration.ofSeconds(1));
        assertThat(schedule.retryDue(999 * MS)).isFalse();
        assertThat(schedule.retryDue(1000 * MS)).isTrue();
        schedule.processed(new Attempt(5, false), 1000 * MS); // claimed failures while the count is unknown
        assertThat(schedule.held()).isEqualTo(-1);
        assertThat(schedule.failed(0)).isEqualTo(Duration.ofSeconds(2));
    }
}
