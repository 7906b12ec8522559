package ai.bud.metrics.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * A deterministic body shaped like the analytics response of issue 6's reference call (daily buckets, items
 * grouped by model+project+endpoint and listed by ids ascending, concurrent_requests mostly 0 with deltas), for
 * compression tests and measurements. Each series appears in a bucket with probability {@code presence}.
 */
final class AnalyticsLikeJson {

    private AnalyticsLikeJson() {
    }

    static byte[] generate(int buckets, int series, double presence, long seed) {
        Random random = new Random(seed);
        List<String[]> keys = new ArrayList<>();
        for (int i = 0; i < series; i++) {
            keys.add(new String[] {uuid(random), uuid(random), uuid(random)});
        }
        // the service lists a bucket's items by group ids ascending: the same order in every bucket
        keys.sort(java.util.Comparator.comparing((String[] k) -> k[0]).thenComparing(k -> k[1]).thenComparing(k -> k[2]));
        StringBuilder out = new StringBuilder((int) (buckets * series * presence * 200));
        out.append("{\"object\":\"observability_metrics\",\"items\":[");
        long day = 20_000;
        int[] previous = new int[series];
        for (int b = 0; b < buckets; b++) {
            if (b > 0) {
                out.append(',');
            }
            java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day - b);
            out.append("{\"time_period\":\"").append(date).append("T00:00:00\",\"items\":[");
            boolean first = true;
            for (int s = 0; s < series; s++) {
                if (random.nextDouble() >= presence) {
                    continue;
                }
                int value = random.nextDouble() < 0.8 ? 0 : 1 + random.nextInt(5);
                int delta = value - previous[s];
                double percent = previous[s] == 0 ? 0 : Math.round(delta * 10000.0 / previous[s]) / 100.0;
                previous[s] = value;
                if (!first) {
                    out.append(',');
                }
                first = false;
                String[] key = keys.get(s);
                out.append("{\"model_id\":\"").append(key[0]).append("\",\"project_id\":\"").append(key[1])
                        .append("\",\"endpoint_id\":\"").append(key[2]).append("\",\"data\":{\"concurrent_requests\":{\"avg\":")
                        .append(value).append(",\"delta\":").append(delta).append(",\"delta_percent\":")
                        .append(String.format(Locale.ROOT, "%.2f", percent)).append("}}}");
            }
            out.append("]}");
        }
        out.append("]}");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String uuid(Random random) {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }
}
