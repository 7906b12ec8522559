package ai.bud.metrics.web;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: measures size and time of each coding/level on an analytics-shaped body through the service's own
 * {@link Compressors}, to choose the defaults (figures in docs/OPERATIONS.md). Run:
 * {@code mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt &&
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) ai.bud.metrics.web.CompressionLevels}
 */
public final class CompressionLevels {

    public static void main(String[] args) throws Exception {
        byte[] body = AnalyticsLikeJson.generate(365, 300, 0.75, 42);
        System.out.printf(Locale.ROOT, "body: %,d bytes (365 daily buckets, 300 series, each present 75%% of days)%n", body.length);
        List<Object[]> cases = new ArrayList<>();
        for (int q : new int[] {1, 2, 3, 4, 5, 6, 7}) {
            cases.add(new Object[] {ContentCoding.BR, q});
        }
        for (int l : new int[] {1, 2, 3, 5, 7, 9}) {
            cases.add(new Object[] {ContentCoding.ZSTD, l});
        }
        for (int l : new int[] {1, 6, 9}) {
            cases.add(new Object[] {ContentCoding.GZIP, l});
        }
        // CPU time of this thread, not wall time: the figures hold on a machine shared with other work
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        System.out.println("| coding | level | compressed bytes | ratio | median CPU ms (5 runs) |");
        System.out.println("|---|---|---|---|---|");
        for (Object[] c : cases) {
            ContentCoding coding = (ContentCoding) c[0];
            int level = (Integer) c[1];
            Compressors compressors = new Compressors(level, level, level, List.of(coding));
            int size = 0;
            long[] times = new long[5];
            compress(compressors, coding, body);
            for (int i = 0; i < times.length; i++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                size = compress(compressors, coding, body);
                times[i] = cpu.getCurrentThreadCpuTime() - t0;
            }
            Arrays.sort(times);
            System.out.printf(Locale.ROOT, "| %s | %d | %,d | %.1f | %.0f |%n", coding.token(), level, size,
                    (double) body.length / size, times[2] / 1e6);
        }
    }

    private static int compress(Compressors compressors, ContentCoding coding, byte[] body) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream(body.length / 20);
        try (OutputStream out = compressors.open(coding, sink)) {
            for (int off = 0; off < body.length; off += 8192) {
                out.write(body, off, Math.min(8192, body.length - off));
            }
        }
        return sink.size();
    }
}
