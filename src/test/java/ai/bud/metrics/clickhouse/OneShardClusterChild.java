package ai.bud.metrics.clickhouse;

import ai.bud.metrics.ingest.store.BatchWriter;
import ai.bud.metrics.ingest.store.InferenceEvent;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A process of its own (OneShardClusterTest): the embedded engine on a fresh data directory, configured with a one-shard
 * cluster {@code budmetrics} whose only replica is this engine ({@code remote_servers} in a {@code config.d} file), and
 * its user allowed the Distributed table engine. There the cluster form of the migrations and of the rollup fixture
 * runs, with what only a real cluster has taken out: {@code ON CLUSTER} (no DDL queue without Keeper) and the
 * {@code Replicated} prefix with its Keeper path (no Keeper). The service's own insert and dedup check
 * ({@link BatchWriter}) then run through a connector in cluster mode. Prints {@code ONE-SHARD OK …}; any difference
 * from the oracle (computed here from the generated events) throws.
 */
public final class OneShardClusterChild {

    static final String CLUSTER = "budmetrics";
    private static final String DATABASE = "bud";

    private OneShardClusterChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]).toAbsolutePath();
        configure(dataDir);
        ClickHouseProperties node = ClickHouseProperties.fromEnvironment(Map.of("CLICKHOUSE_EMBEDDED_DATA", dataDir.toString()))
                .withEmbeddedPort(0);
        try (ClickHouseConnector engineNode = ClickHouseConnector.start(node);
                EmbeddedClickHouse engine = EmbeddedClickHouse.open(ChdbLibraryLocator.locate(node.embedded().library()), dataDir, 1)) {
            ClickHouseConnector cluster = ClickHouseConnector.forDatabase(engineNode, new ClickHouseProperties("127.0.0.1", engineNode.port(),
                    DATABASE, node.user(), node.password(), 1, Duration.ofMillis(100), 4, Duration.ofSeconds(60), false, true, node.embedded(),
                    new ClickHouseProperties.Cluster(CLUSTER, null)));
            List<Migrations.Step> plan = Migrations.load(DATABASE, true, CLUSTER, List.of(Migrations.LOCATION, "classpath*:cluster-fixture/*.sql"))
                    .plan();
            List<Migrations.Step> base = plan.stream().filter(step -> !step.migration().startsWith("900_")).toList();
            List<Migrations.Step> fixture = plan.stream().filter(step -> step.migration().startsWith("900_")).toList();
            System.out.println("session settings: " + cluster.sessionSettings());
            try (HikariDataSource dataSource = cluster.createDataSource(); BatchWriter writer = new BatchWriter(dataSource, 30)) {
                run(base, engine, dataSource);
                Random random = new Random(13);
                List<InferenceEvent> before = events(random, 3000);
                writer.insert(before);
                run(fixture, engine, dataSource); // the backfill finds the rows stored before the rollups existed
                run(fixture, engine, dataSource); // and does nothing the second time
                List<InferenceEvent> after = events(random, 2000);
                writer.insert(after.subList(0, 1000));
                writer.insert(after.subList(1000, 2000));
                List<InferenceEvent> all = new ArrayList<>(before);
                all.addAll(after);
                check(dataSource, writer, all, random);
                System.out.println("ONE-SHARD OK events=" + all.size());
            }
        }
    }

    private static void configure(Path dataDir) throws Exception {
        Path directory = Files.createDirectories(dataDir.resolve(EngineUserConfig.DIRECTORY));
        Files.createDirectories(directory.resolve("config.d"));
        Files.writeString(directory.resolve("config.d/one-shard.xml"), """
                <clickhouse>
                  <!-- the engine opens no port; the replica below is this engine because its port is the one named here -->
                  <tcp_port>9000</tcp_port>
                  <remote_servers><%s><shard><internal_replication>true</internal_replication>
                    <replica><host>localhost</host><port>9000</port></replica></shard></%s></remote_servers>
                </clickhouse>
                """.formatted(CLUSTER, CLUSTER), StandardCharsets.UTF_8);
        Files.createDirectories(directory.resolve("users.d"));
        StringBuilder grants = new StringBuilder();
        EngineUserConfig.GRANTS.forEach(grant -> grants.append("<query>").append(grant).append("</query>"));
        grants.append("<query>GRANT TABLE ENGINE ON Distributed</query>");
        Files.writeString(directory.resolve("users.d/distributed.xml"),
                "<clickhouse><users><default><grants>" + grants + "</grants></default></users></clickhouse>\n", StandardCharsets.UTF_8);
    }

    /** DDL straight on the engine (the port refuses the Distributed engine); INSERTs as the migration sends them. */
    private static void run(List<Migrations.Step> steps, EmbeddedClickHouse engine, HikariDataSource dataSource) throws SQLException {
        for (Migrations.Step step : steps) {
            if (step.sql().startsWith("INSERT")) {
                try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                    statement.execute(step.sql());
                }
            } else {
                engine.query(oneNode(step.sql()), "TSV");
            }
        }
    }

    static String oneNode(String sql) {
        return sql.replace(" ON CLUSTER " + CLUSTER, "").replace("Replicated", "")
                .replace(ClusterSchema.REPLICA_ARGUMENTS + ", ", "").replace(ClusterSchema.REPLICA_ARGUMENTS, "");
    }

    private static List<InferenceEvent> events(Random random, int count) {
        UUID[] projects = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        LocalDateTime start = LocalDateTime.of(2024, 3, 31, 23, 58);
        List<InferenceEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            LocalDateTime arrival = start.plus(random.nextInt(240_000), ChronoUnit.MILLIS);
            events.add(new InferenceEvent(UUID.randomUUID(), projects[random.nextInt(projects.length)], new UUID(0, 1), new UUID(0, 2),
                    random.nextInt(10) != 0, arrival, arrival.plus(random.nextInt(500), ChronoUnit.MILLIS), random.nextInt(4) == 0 ? null : 0.5,
                    null, null, null, null, null, null, null, null, null));
        }
        return events;
    }

    private static void check(HikariDataSource dataSource, BatchWriter writer, List<InferenceEvent> events, Random random) throws SQLException {
        Set<UUID> ids = events.stream().map(InferenceEvent::inferenceId).collect(Collectors.toSet());
        expect("ids found by the dedup check through the Distributed table", writer.existing(ids), ids);
        expect("unknown ids found", writer.existing(List.of(new UUID(random.nextLong(), random.nextLong()))), Set.of());
        expect("rows in the local table", single(dataSource, "SELECT count() FROM bud.ModelInferenceDetails_local"), (long) events.size());
        expect("engine of ModelInferenceDetails", single(dataSource,
                "SELECT engine FROM system.tables WHERE database = 'bud' AND name = 'ModelInferenceDetails'"), "Distributed");

        Map<String, long[]> minutes = new TreeMap<>();
        Map<String, Long> seconds = new HashMap<>();
        for (InferenceEvent event : events) {
            String minute = event.projectId() + " " + event.requestArrivalTime().truncatedTo(ChronoUnit.MINUTES);
            long[] counts = minutes.computeIfAbsent(minute, key -> new long[2]);
            counts[0]++;
            counts[1] += event.isSuccess() ? 1 : 0;
            seconds.merge(event.projectId() + " " + event.requestArrivalTime().truncatedTo(ChronoUnit.SECONDS), 1L, Long::sum);
        }
        Map<String, String> expected = new TreeMap<>();
        minutes.forEach((key, counts) -> expected.put(key, counts[0] + " " + counts[1]));
        Map<String, String> rollup = new TreeMap<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT toString(project_id), formatDateTime(minute, '%Y-%m-%dT%H:%i'),"
                        + " sum(requests), sum(successes) FROM bud.FixtureMinuteRollup GROUP BY project_id, minute")) {
            while (rows.next()) {
                rollup.put(rows.getString(1) + " " + rows.getString(2), rows.getLong(3) + " " + rows.getLong(4));
            }
        }
        expect("requests and successes per project and minute (backfill + views, through the Distributed rollup)", rollup, expected);
        long busiest = seconds.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        expect("busiest second of any project", single(dataSource, "SELECT max(c) FROM (SELECT sum(requests) AS c FROM bud.FixtureSecondCounts"
                + " GROUP BY project_id, second)"), busiest);
    }

    private static Object single(HikariDataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            Object value = rows.getObject(1);
            return value instanceof Number number ? (Object) number.longValue() : value;
        }
    }

    private static void expect(String what, Object actual, Object expected) {
        if (!expected.equals(actual instanceof Set<?> set ? new HashSet<>(set) : actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual);
        }
        System.out.println("checked: " + what);
    }
}
