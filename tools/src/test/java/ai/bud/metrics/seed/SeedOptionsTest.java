package ai.bud.metrics.seed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SeedOptionsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--frobnicate|unknown option --frobnicate",
            "--records 0|--records must be at least 1",
            "--records many|--records must be an integer",
            "--records|--records needs a value",
            "--batch-size -5|--batch-size must be at least 1",
            "--days 3 --from 2024-01-01 --to 2024-01-02|--days cannot be combined",
            "--from 2024-01-01|--from and --to go together",
            "--from 2024-02-01 --to 2024-01-01|--to must be after --from",
            "--from yesterday --to 2024-01-01|--from must be an ISO date",
            "--url ftp://example|--url must be an http(s) URL",
            "--url http://127.0.0.1:8000 --direct-db|--url, --direct-db and --engine exclude each other",
            "--no-model-inference --include-model-inference|--include-model-inference and --no-model-inference exclude each other",
            "--direct-db --database bud;DROP|--database must be a plain identifier",
            "--seed x1|--seed must be an integer"})
    void badOptionsGetUsageAndExitTwo(String args, String message) {
        SeedRun run = SeedRun.of(args.split(" "));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("seed: " + message.strip()).contains("usage: seed");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void helpIsNotAnError() {
        SeedRun run = SeedRun.of("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("usage: seed", "--direct-db", "--verify", "--seed");
    }

    @Test
    void defaultsFollowTheModeAndTheEnvironment() {
        Instant now = Instant.parse("2024-05-10T12:00:00Z");
        SeedOptions api = SeedOptions.parse(new String[0], Map.of("APP_PORT", "9001", "CLICKHOUSE_DB_NAME", "metrics"), now, 5);
        assertThat(api.mode()).isEqualTo(SeedOptions.Mode.API);
        assertThat(api.url()).hasToString("http://127.0.0.1:9001");
        assertThat(api.database()).isEqualTo("metrics");
        assertThat(api.batchSize()).isEqualTo(500);
        assertThat(api.from()).isEqualTo(Instant.parse("2024-05-03T12:00:00Z"));
        assertThat(api.to()).isEqualTo(now);
        assertThat(api.seed()).isEqualTo(5);
        assertThat(api.seedGiven()).isFalse();
        assertThat(api.includeModelInference()).isTrue();

        SeedOptions direct = SeedOptions.parse(new String[] {"--direct-db", "--days", "30", "--seed", "7"}, Map.of(), now, 5);
        assertThat(direct.mode()).isEqualTo(SeedOptions.Mode.DIRECT);
        assertThat(direct.batchSize()).isEqualTo(50_000);
        assertThat(direct.from()).isEqualTo(Instant.parse("2024-04-10T12:00:00Z"));
        assertThat(direct.seedGiven()).isTrue();
    }

    @Test
    void rangeBoundsWithoutOffsetAreUtc() {
        SeedOptions options = SeedOptions.parse(new String[] {"--from", "2024-01-31", "--to", "2024-02-01T06:30:00+02:00"}, Map.of(),
                Instant.now(), 1);
        assertThat(options.from()).isEqualTo(Instant.parse("2024-01-31T00:00:00Z"));
        assertThat(options.to()).isEqualTo(Instant.parse("2024-02-01T04:30:00Z"));
    }
}
