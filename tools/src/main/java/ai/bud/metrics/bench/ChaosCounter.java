package ai.bud.metrics.bench;

import ai.bud.metrics.bench.ChaosLedger.Expect;
import ai.bud.metrics.bench.ChaosLedger.Item;
import ai.bud.metrics.bench.ChaosLedger.Kind;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Compares what the senders were told with what the engine holds: rows of ModelInferenceDetails by inference_id,
 * IngestDeadLetter rows (by inference_id, or by stream entry id for an entry that had no event), and the stream's
 * pending entries. Waits (bounded) until every acknowledged item is accounted for and the stream is drained.
 */
final class ChaosCounter {

    /**
     * Where the counter looks: the engine's ClickHouse HTTP interface (with the credentials its port asks for, or null),
     * and optionally the stream's Redis.
     */
    record Target(URI clickhouse, String database, String redisHost, int redisPort, String stream, String group, String user,
            String password) {
    }

    /** What is stored and dead-lettered: rows per inference id, dead letters by inference id and by stream entry id. */
    record Engine(Map<String, Long> rows, Set<String> deadIds, Set<String> deadEntries, String problem) {
    }

    /** The stream's state: pending ids, the group's last delivered id, whether the stream still exists. */
    record Stream(Set<String> pending, String lastDelivered, boolean exists, long lag, String problem) {

        boolean drained() {
            return problem == null && (!exists || (pending.isEmpty() && lag == 0));
        }
    }

    enum Fate {
        STORED, DEAD_LETTERED, PENDING, UNDELIVERED, GONE, NOT_ACKNOWLEDGED
    }

    /** One row of the table. */
    record Row(String fault, int sent, int acknowledged, int stored, int deadLettered, int lost, long duplicated, List<String> notes) {

        String markdown() {
            return "| " + fault + " | " + sent + " | " + acknowledged + " | " + stored + " | " + deadLettered + " | " + bold(lost) + " | "
                    + bold(duplicated) + " | " + String.join("; ", notes).replace("|", "\\|") + " |";
        }

        private static String bold(long n) {
            return n == 0 ? "0" : "**" + n + "**";
        }
    }

    private final Target target;
    private final PrintStream log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ChaosCounter(Target target, PrintStream log) {
        this.target = target;
        this.log = log;
    }

    /** Polls until every acknowledged item is stored or dead-lettered and the stream is drained, or {@code wait} has passed. */
    Row count(String fault, List<ChaosLedger> ledgers, Duration wait, Duration settle, List<String> extraNotes) throws InterruptedException {
        List<Item> items = new ArrayList<>();
        Set<String> projects = new LinkedHashSet<>();
        List<String> notes = new ArrayList<>();
        for (ChaosLedger ledger : ledgers) {
            items.addAll(ledger.items());
            projects.addAll(ledger.projects());
            notes.addAll(ledger.notes());
        }
        long start = System.nanoTime();
        long deadline = start + wait.toNanos();
        Engine engine;
        Stream stream;
        boolean settled = false;
        boolean timedOut = false;
        while (true) {
            engine = engine(projects);
            stream = stream();
            Engine now = engine;
            boolean done = engine.problem() == null && (target.stream() == null || stream.drained())
                    && items.stream().filter(Item::acknowledged).allMatch(i -> accounted(i, now));
            if (done && settled) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                timedOut = true;
                break;
            }
            if (done) {
                settled = true;
                Thread.sleep(settle.toMillis()); // a redelivery in flight would show up as a duplicate now
            } else {
                Thread.sleep(1000);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String timing = timedOut ? "not settled within the " + wait.toSeconds() + " s wait"
                : String.format(java.util.Locale.ROOT, "settled %.0f s after the load", seconds);
        return row(fault, items, engine, stream, timing, notes, extraNotes);
    }

    /** The table row: fates of the items, duplicates, and the notes that explain them. */
    static Row row(String fault, List<Item> items, Engine engine, Stream stream, String timing, List<String> senderNotes,
            List<String> extraNotes) {
        Map<Fate, Integer> fates = new LinkedHashMap<>();
        Map<String, Map<Fate, Integer>> byLabel = new LinkedHashMap<>();
        int mismatched = 0;
        int droppedBy404 = 0;
        long duplicated = 0;
        int storedUnacknowledged = 0;
        for (Item item : items) {
            Fate fate = fate(item, engine, stream);
            fates.merge(fate, 1, Integer::sum);
            if (fate == Fate.GONE && ChaosHttpSender.DROPPED_BY_404.equals(item.ack())) {
                droppedBy404++;
            }
            byLabel.computeIfAbsent(item.label(), k -> new LinkedHashMap<>()).merge(fate, 1, Integer::sum);
            if ((fate == Fate.STORED && item.expect() != Expect.STORED) || (fate == Fate.DEAD_LETTERED && item.expect() != Expect.DEAD_LETTERED)) {
                mismatched++;
            }
            if (item.kind() == Kind.EVENT) {
                duplicated += Math.max(0, engine.rows().getOrDefault(item.key(), 0L) - 1);
                if (!item.acknowledged() && engine.rows().containsKey(item.key())) {
                    storedUnacknowledged++;
                }
            }
        }
        int acknowledged = (int) items.stream().filter(Item::acknowledged).count();
        int stored = (int) items.stream().filter(i -> i.kind() == Kind.EVENT && engine.rows().containsKey(i.key())).count();
        int deadLettered = fates.getOrDefault(Fate.DEAD_LETTERED, 0);
        int pending = fates.getOrDefault(Fate.PENDING, 0);
        int undelivered = fates.getOrDefault(Fate.UNDELIVERED, 0);
        int gone = fates.getOrDefault(Fate.GONE, 0);
        int lost = pending + undelivered + gone;
        List<String> notes = new ArrayList<>(extraNotes);
        if (engine.problem() != null) {
            notes.add("engine: " + engine.problem());
        }
        if (stream != null && stream.problem() != null) {
            notes.add("stream: " + stream.problem());
        }
        if (lost > 0) {
            List<String> parts = new ArrayList<>();
            if (droppedBy404 > 0) {
                parts.add(droppedBy404 + " answered 404 (Dapr drops such a delivery)");
            }
            if (gone > droppedBy404) {
                parts.add((gone - droppedBy404) + (stream != null && !stream.exists() && stream.problem() == null
                        ? " gone with the stream (Redis lost it)" : " acknowledged without a row or dead letter"));
            }
            if (pending > 0) {
                parts.add(pending + " still pending in the stream (stalled)");
            }
            if (undelivered > 0) {
                parts.add(undelivered + " never delivered to a consumer (stalled)");
            }
            notes.add("lost: " + String.join(", ", parts));
        }
        if (items.size() > acknowledged) {
            notes.add((items.size() - acknowledged) + " never acknowledged to the sender"
                    + (storedUnacknowledged > 0 ? " (" + storedUnacknowledged + " of them stored anyway)" : ""));
        }
        if (mismatched > 0) {
            notes.add(mismatched + " ended other than expected (stored instead of dead-lettered or the reverse)");
        }
        if (byLabel.size() > 1) {
            List<String> parts = new ArrayList<>();
            byLabel.forEach((label, counts) -> {
                List<String> what = new ArrayList<>();
                counts.forEach((fate, n) -> what.add(n + " " + fate.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')));
                parts.add(label + ": " + String.join(", ", what));
            });
            notes.add(String.join("; ", parts));
        }
        notes.add(timing);
        notes.addAll(senderNotes);
        return new Row(fault, items.size(), acknowledged, stored, deadLettered, lost, duplicated, notes);
    }

    private static boolean accounted(Item item, Engine engine) {
        return (item.kind() == Kind.EVENT && engine.rows().containsKey(item.key())) || deadLettered(item, engine);
    }

    private static boolean deadLettered(Item item, Engine engine) {
        // an entry-level dead letter (no inference id: not JSON, unexpected type, given up after N deliveries) covers
        // every event of that stream entry; an event's own dead letter names it
        return (item.kind() == Kind.EVENT && engine.deadIds().contains(item.key()))
                || (!ChaosLedger.NONE.equals(item.entryId()) && engine.deadEntries().contains(item.entryId()));
    }

    static Fate fate(Item item, Engine engine, Stream stream) {
        if (item.kind() == Kind.EVENT && engine.rows().containsKey(item.key())) {
            return Fate.STORED;
        }
        if (deadLettered(item, engine)) {
            return Fate.DEAD_LETTERED;
        }
        if (!item.acknowledged()) {
            return Fate.NOT_ACKNOWLEDGED;
        }
        if (stream != null && stream.exists() && !ChaosLedger.NONE.equals(item.entryId())) {
            if (stream.pending().contains(item.entryId())) {
                return Fate.PENDING;
            }
            if (stream.lastDelivered() == null || compareIds(item.entryId(), stream.lastDelivered()) > 0) {
                return Fate.UNDELIVERED;
            }
        }
        return Fate.GONE;
    }

    /** Orders Redis stream ids ({@code ms-seq}). */
    static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x.length > 1 ? x[1] : "0"), Long.parseLong(y.length > 1 ? y[1] : "0"));
    }

    private Engine engine(Set<String> projects) {
        Map<String, Long> rows = new HashMap<>();
        Set<String> deadIds = new HashSet<>();
        Set<String> deadEntries = new HashSet<>();
        try {
            if (!projects.isEmpty()) {
                List<String> quoted = new ArrayList<>();
                for (String project : projects) {
                    quoted.add("'" + UUID.fromString(project) + "'"); // a parsed UUID: safe to write into the SQL
                }
                String sql = "SELECT toString(inference_id), count() FROM " + target.database() + ".ModelInferenceDetails WHERE project_id IN ("
                        + String.join(", ", quoted) + ") GROUP BY inference_id FORMAT TabSeparated";
                for (String line : query(sql).split("\n")) {
                    if (!line.isEmpty()) {
                        String[] f = line.split("\t");
                        rows.put(f[0], Long.parseLong(f[1]));
                    }
                }
            }
            String dead = query("SELECT ifNull(inference_id, ''), ifNull(reference, '') FROM " + target.database()
                    + ".IngestDeadLetter FORMAT TabSeparated");
            for (String line : dead.split("\n")) {
                if (!line.isEmpty()) {
                    String[] f = line.split("\t", -1);
                    if (!f[0].isEmpty()) {
                        deadIds.add(f[0]);
                    } else if (f.length > 1 && !f[1].isEmpty()) {
                        deadEntries.add(f[1]);
                    }
                }
            }
            return new Engine(rows, deadIds, deadEntries, null);
        } catch (IOException | RuntimeException e) {
            log.println("chaos count: " + e.getMessage());
            return new Engine(rows, deadIds, deadEntries, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Engine(rows, deadIds, deadEntries, "interrupted");
        }
    }

    private Stream stream() {
        if (target.stream() == null) {
            return null;
        }
        try (Resp redis = new Resp(target.redisHost(), target.redisPort())) {
            String last = redis.lastGeneratedId(target.stream());
            if (last == null) {
                return new Stream(Set.of(), null, false, 0, null);
            }
            Map<String, Object> group = redis.groupInfo(target.stream()).get(target.group());
            if (group == null) {
                return new Stream(Set.of(), null, true, 0, "consumer group " + target.group() + " does not exist");
            }
            String lastDelivered = String.valueOf(group.get("last-delivered-id"));
            long lag = compareIds(last, lastDelivered) > 0 ? 1 : 0;
            Set<String> pending = new HashSet<>(redis.pendingIds(target.stream(), target.group(), 100_000));
            return new Stream(pending, lastDelivered, true, lag, null);
        } catch (IOException e) {
            return new Stream(Set.of(), null, false, 0, "Redis not reachable: " + e.getMessage());
        }
    }

    private String query(String sql) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.clickhouse().resolve("/")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(sql));
        if (target.user() != null && !target.user().isBlank()) {
            request.header("X-ClickHouse-User", target.user());
        }
        if (target.password() != null && !target.password().isEmpty()) {
            request.header("X-ClickHouse-Key", target.password());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("ClickHouse answered " + response.statusCode() + ": " + response.body().lines().findFirst().orElse(""));
        }
        return response.body();
    }
}
