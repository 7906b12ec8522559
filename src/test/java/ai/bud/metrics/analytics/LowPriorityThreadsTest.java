package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.bud.metrics.load.OsThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The analytics threads' nice value, read back from the kernel's thread table by the threads themselves. */
class LowPriorityThreadsTest {

    @Test
    void aThreadRunsAtTheNiceValueItWasMadeWithAndNamesItsPrefix() throws Exception {
        assumeThat(System.getProperty("os.name")).startsWith("Linux");
        int parent = OsThreads.currentThreadNice();
        assumeThat(parent).as("this test's thread runs below nice 7").isLessThan(7);

        assertThat(runOn(new LowPriorityThreads("low-", 7))).isEqualTo("low-1 at 7");
        assertThat(runOn(new LowPriorityThreads("same-", 0))).as("0: the thread keeps its creator's").isEqualTo("same-1 at " + parent);
        assertThat(OsThreads.currentThreadNice()).as("the creating thread is untouched").isEqualTo(parent);
    }

    @Test
    void onlyZeroToNineteenIsAccepted() {
        assertThatThrownBy(() -> new LowPriorityThreads("x-", -1)).hasMessageContaining("ANALYTICS_OS_THREAD_PRIORITY");
        assertThatThrownBy(() -> new LowPriorityThreads("x-", 20)).hasMessageContaining("0 (off) to 19");
    }

    private static String runOn(LowPriorityThreads threads) throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        threads.newThread(() -> {
            try {
                seen.complete(Thread.currentThread().getName() + " at " + OsThreads.currentThreadNice());
            } catch (java.io.IOException e) {
                seen.completeExceptionally(e);
            }
        }).start();
        return seen.get(10, TimeUnit.SECONDS);
    }
}
