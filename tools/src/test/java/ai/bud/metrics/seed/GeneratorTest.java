package ai.bud.metrics.seed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static final long FROM = 1_700_000_000_000L;
    private static final long TO = FROM + 3 * 86_400_000L;

    private static List<GeneratedInference> generate(long seed, int n) {
        return generate(seed, n, FROM, TO);
    }

    private static List<GeneratedInference> generate(long seed, int n, long from, long to) {
        Catalog catalog = Catalog.generate(new SplittableRandom(seed), 3, 4);
        InferenceGenerator generator = new InferenceGenerator(catalog, seed, from, to);
        List<GeneratedInference> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(generator.next());
        }
        return all;
    }

    @Test
    void aSeedDeterminesEverything() {
        assertThat(generate(5, 500)).isEqualTo(generate(5, 500));
        assertThat(generate(5, 50)).doesNotContainAnyElementsOf(generate(6, 50));
    }

    @Test
    void anotherRangeMovesOnlyTheTimes() {
        List<GeneratedInference> week = generate(5, 300);
        List<GeneratedInference> later = generate(5, 300, FROM + 86_400_000L * 40 + 12_345, TO + 86_400_000L * 45);
        for (int i = 0; i < week.size(); i++) {
            GeneratedInference a = week.get(i);
            GeneratedInference b = later.get(i);
            assertThat(b.arrivalMillis()).isNotEqualTo(a.arrivalMillis());
            assertThat(b.forwardMillis() - b.arrivalMillis()).isEqualTo(a.forwardMillis() - a.arrivalMillis());
            assertThat(b).usingRecursiveComparison().ignoringFields("arrivalMillis", "forwardMillis", "modelCall.id").isEqualTo(a);
            if (a.modelCall() != null) {
                // same random part of the UUIDv7, another time part
                assertThat(b.modelCall().id().getLeastSignificantBits()).isEqualTo(a.modelCall().id().getLeastSignificantBits());
                assertThat(Uuids.v7Millis(b.modelCall().id())).isEqualTo(b.arrivalMillis());
            }
        }
    }

    @Test
    void uuidVersionsAndEmbeddedTime() {
        SplittableRandom random = new SplittableRandom(1);
        UUID v7 = Uuids.v7(1_712_345_678_901L, random);
        assertThat(v7.version()).isEqualTo(7);
        assertThat(v7.variant()).isEqualTo(2);
        assertThat(Uuids.v7Millis(v7)).isEqualTo(1_712_345_678_901L);
        // the text form starts with the 48-bit millisecond time in hex
        assertThat(v7.toString().replace("-", "").substring(0, 12)).isEqualTo(String.format("%012x", 1_712_345_678_901L));
        UUID v4 = Uuids.v4(random);
        assertThat(v4.version()).isEqualTo(4);
        assertThat(v4.variant()).isEqualTo(2);
    }

    @Test
    void eventsKeepTheirInvariants() {
        for (GeneratedInference inference : generate(8, 2000)) {
            assertThat(inference.arrivalMillis()).isBetween(FROM, TO - 1);
            assertThat(inference.forwardMillis() - inference.arrivalMillis()).isBetween(1L, 100L);
            assertThat(inference.cost() != null).isEqualTo(inference.success());
            if (inference.modelCall() != null) {
                assertThat(Uuids.v7Millis(inference.modelCall().id())).isEqualTo(inference.arrivalMillis());
                Integer ttft = inference.modelCall().ttftMs();
                Integer total = inference.modelCall().responseTimeMs();
                if (ttft != null && total != null) {
                    assertThat(ttft).isLessThanOrEqualTo(total);
                }
            } else {
                assertThat(inference.success()).isFalse();
            }
        }
    }

    @Test
    void progressLineShowsCountPercentRateAndEta() {
        assertThat(Progress.line(250, 1000, 5_000_000_000L)).isEqualTo("seeded 250/1,000 (25.0%) 50 records/s, ETA 15s");
        assertThat(Progress.line(1000, 1000, 2_000_000_000L)).isEqualTo("seeded 1,000/1,000 (100.0%) 500 records/s, ETA 0s");
        assertThat(Progress.duration(3725)).isEqualTo("1h02m");
        assertThat(Progress.duration(125)).isEqualTo("2m05s");
    }
}
