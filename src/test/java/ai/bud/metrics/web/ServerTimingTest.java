package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServerTimingTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    @Test
    void marksConsecutiveStepsInMilliseconds() {
        ServerTiming timing = new ServerTiming(now::get);
        now.addAndGet(1_230_000);
        timing.mark("parse");
        now.addAndGet(35_049_999);
        timing.mark("execute");
        now.addAndGet(250_000_000_000L);
        timing.mark("serialize");

        assertThat(timing.header()).isEqualTo("parse;dur=1.2, execute;dur=35.0, serialize;dur=250000.0");
    }

    @Test
    void addsDurationsAndSumsRepeatedNames() {
        ServerTiming timing = new ServerTiming(now::get);
        timing.add("execute", 2_000_000).add("cache", 50_000).add("execute", 3_500_000);

        assertThat(timing.header()).isEqualTo("execute;dur=5.5, cache;dur=0.1");
    }

    @Test
    void restartLeavesAWaitOut() {
        ServerTiming timing = new ServerTiming(now::get);
        now.addAndGet(9_000_000);
        timing.restart();
        now.addAndGet(1_000_000);
        timing.mark("build");

        assertThat(timing.header()).isEqualTo("build;dur=1.0");
    }

    @Test
    void emptyWhenNothingRecorded() {
        assertThat(new ServerTiming(now::get).header()).isEmpty();
    }

    @Test
    void rejectsNamesThatAreNotHeaderTokens() {
        ServerTiming timing = new ServerTiming(now::get);
        assertThatThrownBy(() -> timing.mark("has space")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> timing.add("a;dur=1", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> timing.add("", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
