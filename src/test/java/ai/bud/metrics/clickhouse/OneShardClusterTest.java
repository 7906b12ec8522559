package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster form of the schema at work, as far as one embedded engine allows ({@link OneShardClusterChild}, in a
 * process of its own: its engine needs a configuration the shared test engine does not have). A one-shard cluster whose
 * replica is the engine itself: the service's inserts go through the Distributed table into the local one, the
 * materialized views fill the local rollups, a backfill through the Distributed tables covers the rows stored before,
 * and the dedup check and the rollup reads through the Distributed tables give what an oracle over the generated events
 * gives. What stays unexercised: ON CLUSTER (no Keeper, no DDL queue), replication, and more than one shard.
 */
class OneShardClusterTest {

    @Test
    void theClusterSchemaServesTheServiceOnAOneShardCluster(@TempDir Path dataDir) throws Exception {
        ProcessLifecycleTest.Outcome outcome = ProcessLifecycleTest.runJava(OneShardClusterChild.class,
                Map.of("CHDB_LIBRARY", ProcessLifecycleTest.library()), dataDir.toString());
        assertThat(outcome.exitCode()).as(outcome.output()).isZero();
        assertThat(outcome.output()).contains("session settings: {distributed_foreground_insert=1, insert_quorum=1, distributed_product_mode=local}")
                .contains("checked: ids found by the dedup check through the Distributed table")
                .contains("checked: requests and successes per project and minute")
                .contains("checked: busiest second of any project")
                .contains("ONE-SHARD OK events=5000");
    }
}
