package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.support.TestClickHouse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The JVM survives its own signal-driven machinery while chDB runs queries in the same process: implicit
 * null checks and stack-overflow detection (SIGSEGV), integer division by zero (SIGFPE), safepoint polls and
 * GC. If chDB's handlers had replaced the JVM's, this JVM would die (exit 139) and the build would fail.
 */
class JvmStressTest {

    private static final int ROUNDS = 400;

    @Test
    void gcAndExceptionHeavyWorkWhileQueriesRun() throws Exception {
        DataSource dataSource = TestClickHouse.database("stress_it");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        AtomicLong queries = new AtomicLong();
        AtomicLong faults = new AtomicLong();
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int q = 0; q < 3; q++) {
                work.add(pool.submit(() -> {
                    for (int i = 0; i < ROUNDS / 4; i++) {
                        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                                ResultSet rows = statement.executeQuery("SELECT count(), sum(number % 7) FROM numbers(200000)")) {
                            rows.next();
                            assertThat(rows.getLong(1)).isEqualTo(200_000L);
                            queries.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (int g = 0; g < 3; g++) {
                work.add(pool.submit(() -> {
                    for (int i = 0; i < ROUNDS; i++) {
                        faults.addAndGet(provokeFaults(i));
                        if (i % 50 == 0) {
                            System.gc();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : work) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(queries.get()).isEqualTo(3L * (ROUNDS / 4));
        assertThat(faults.get()).isEqualTo(3L * ROUNDS * 3);
    }

    private static int depth;

    private static void recurse() {
        depth++;
        recurse();
    }

    /** Three faults the JVM turns into exceptions through signal handlers, plus garbage. */
    private static int provokeFaults(int round) {
        int caught = 0;
        Object[] garbage = new Object[2_000];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = new byte[256 + (i % 64)];
        }
        String nothing = round < 0 ? "x" : null;
        try {
            caught += nothing.length();
        } catch (NullPointerException e) {
            caught++;
        }
        int zero = round < 0 ? 1 : 0;
        try {
            caught += round / zero;
        } catch (ArithmeticException e) {
            caught++;
        }
        if (round % 20 == 0) {
            try {
                recurse();
            } catch (StackOverflowError e) {
                caught++;
            }
        } else {
            caught++;
        }
        return garbage.length > 0 ? caught : 0;
    }
}
