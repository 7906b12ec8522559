package ai.bud.metrics.bench;

import ai.bud.metrics.bench.ChaosLedger.Expect;
import ai.bud.metrics.bench.ChaosLedger.Item;
import ai.bud.metrics.bench.ChaosStreamSender.Message;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code chaos}: the sending and counting half of scripts/chaos.sh (docs/OPERATIONS.md, "Failure behaviour"). The script
 * starts, kills and restarts the processes; these commands load the service while it does, and count afterwards.
 * Everything talks to 127.0.0.1 only.
 */
public final class ChaosCommand {

    private ChaosCommand() {
    }

    static final String USAGE = """
            usage: chaos COMMAND [options]
              http-send    --url URL[,URL…] --project UUID --ledger FILE [--events N] [--batch N] [--senders N] [--spread S]
                           [--give-up-after S] [--max-backoff-ms N] [--seed N] [--now EPOCH_MS] [--span-months N]
                           [--label TEXT]
                  POSTs Dapr bulk deliveries spread over --spread seconds, handling the answers as Dapr does (per-entry
                  SUCCESS / DROP / RETRY, 404 drops, anything else or no answer is retried, backing off from 0.5 s
                  doubling to --max-backoff-ms, default 4000), each bulk for at most --give-up-after seconds; writes
                  what each event was told to the ledger. With several URLs (instances), sender i starts on URL i mod n
                  and moves to the next one when an instance does not answer.
              stream-send  --redis HOST:PORT --stream NAME --project UUID --ledger FILE [--events N] [--per-message N]
                           [--spread S] [--give-up-after S] [--seed N] [--now EPOCH_MS]
                  XADDs gateway messages (a CloudEvent of N events), reconnecting and re-sending when Redis is gone.
              poison       --redis HOST:PORT --stream NAME --project UUID --ledger FILE [--valid N] [--seed N]
                  XADDs the poison entries (unexpected type, Dapr's type, not JSON, no data field, two bulks spanning 150
                  months, invalid events beside valid ones), then, 2 s later, N valid entries behind them.
              count        --clickhouse-url URL --ledger FILE[,FILE…] --fault NAME [--table FILE] [--database bud]
                           [--redis HOST:PORT --stream NAME --group NAME] [--wait S] [--settle S] [--note TEXT]
                  Waits (at most --wait s) until every acknowledged item is stored or dead-lettered and the stream is
                  drained, then prints the table row (and appends it to --table). Exit status 3 when anything
                  acknowledged was lost or any event was stored twice. Credentials for ClickHouse, when its port asks
                  for them: CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in the environment.
            """;

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String command = args[0];
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                err.println("chaos: unexpected argument " + args[i]);
                err.print(USAGE);
                return 2;
            }
            o.put(args[i].substring(2), args[++i]);
        }
        try {
            for (String key : List.of("url", "clickhouse-url")) {
                for (String url : o.getOrDefault(key, "").split(",")) {
                    if (o.containsKey(key) && !url.startsWith("http://127.0.0.1:")) {
                        throw new BenchException("--" + key + " must be on 127.0.0.1, got " + url);
                    }
                }
            }
            if (o.containsKey("redis") && !o.get("redis").startsWith("127.0.0.1:")) {
                throw new BenchException("--redis must be on 127.0.0.1, got " + o.get("redis"));
            }
            return switch (command) {
                case "http-send" -> httpSend(o, err);
                case "stream-send" -> streamSend(o, err);
                case "poison" -> poison(o, err);
                case "count" -> count(o, env, out, err);
                default -> {
                    err.println("chaos: unknown command " + command);
                    err.print(USAGE);
                    yield 2;
                }
            };
        } catch (BenchException e) {
            err.println("chaos " + command + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("chaos " + command + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int httpSend(Map<String, String> o, PrintStream err) throws IOException, InterruptedException {
        UUID project = UUID.fromString(required(o, "project"));
        List<Map<String, Object>> events = ChaosEvents.events(project, integer(o, "events", 2000), integer(o, "seed", 1), now(o),
                integer(o, "span-months", 0));
        List<URI> urls = Arrays.stream(required(o, "url").split(",")).map(URI::create).toList();
        ChaosHttpSender sender = new ChaosHttpSender(new ChaosHttpSender.Settings(urls, events,
                integer(o, "batch", 100), integer(o, "senders", 2), seconds(o, "spread", 20), seconds(o, "give-up-after", 120),
                Duration.ofMillis(Math.min(500, integer(o, "max-backoff-ms", 4000))), Duration.ofMillis(integer(o, "max-backoff-ms", 4000)),
                Expect.STORED, o.getOrDefault("label", "valid events over HTTP")));
        List<Item> items = sender.run();
        String answers = sender.answers();
        String label = o.getOrDefault("label", "valid events over HTTP");
        new ChaosLedger(List.of(project.toString()), List.of("sender of " + label + ": " + answers), items).write(Path.of(required(o, "ledger")));
        err.println("chaos http-send: " + items.stream().filter(Item::acknowledged).count() + "/" + items.size() + " acknowledged; " + answers);
        return 0;
    }

    private static int streamSend(Map<String, String> o, PrintStream err) throws IOException, InterruptedException {
        UUID project = UUID.fromString(required(o, "project"));
        List<Map<String, Object>> events = ChaosEvents.events(project, integer(o, "events", 2000), integer(o, "seed", 2), now(o), 0);
        int perMessage = integer(o, "per-message", 10);
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < events.size(); i += perMessage) {
            messages.add(Message.of(events.subList(i, Math.min(events.size(), i + perMessage)), Expect.STORED, "valid events on the stream"));
        }
        String[] redis = required(o, "redis").split(":");
        ChaosStreamSender sender = new ChaosStreamSender(redis[0], Integer.parseInt(redis[1]), required(o, "stream"), seconds(o, "give-up-after", 120));
        List<Item> items = sender.send(messages, seconds(o, "spread", 20));
        new ChaosLedger(List.of(project.toString()), List.of("publisher: " + sender.answers()), items).write(Path.of(required(o, "ledger")));
        err.println("chaos stream-send: " + items.stream().filter(Item::acknowledged).count() + "/" + items.size() + " acknowledged; "
                + sender.answers());
        return 0;
    }

    private static int poison(Map<String, String> o, PrintStream err) throws IOException, InterruptedException {
        UUID project = UUID.fromString(required(o, "project"));
        long seed = integer(o, "seed", 3);
        long now = now(o);
        List<Map<String, Object>> valid = ChaosEvents.events(project, 40, seed, now, 0);
        List<Message> poison = new ArrayList<>();
        poison.add(Message.typed(valid.get(0), "com.example.unexpected", Expect.DEAD_LETTERED, "unexpected type"));
        poison.add(Message.typed(valid.get(1), "com.dapr.event.sent", Expect.STORED, "type com.dapr.event.sent"));
        poison.add(Message.opaque("data", "{\"specversion\": \"1.0\", not JSON".getBytes(StandardCharsets.UTF_8), Expect.DEAD_LETTERED, "not JSON"));
        poison.add(Message.opaque("data", "[1, 2, 3]".getBytes(StandardCharsets.UTF_8), Expect.DEAD_LETTERED, "JSON, not an object"));
        poison.add(Message.opaque("payload", ChaosEvents.streamEntry(List.of(valid.get(2))), Expect.DEAD_LETTERED, "no data field"));
        for (int i = 0; i < 2; i++) {
            poison.add(Message.of(ChaosEvents.events(project, 150, seed + 100 + i, now, 150), Expect.STORED, "bulk spanning 150 months"));
        }
        List<Map<String, Object>> mixed = new ArrayList<>(valid.subList(3, 13));
        List<Expect> expects = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < mixed.size(); i++) {
            Map<String, Object> event = new LinkedHashMap<>(mixed.get(i));
            boolean invalid = i % 2 == 0;
            if (invalid) {
                switch (i / 2) {
                    case 0 -> event.remove("project_id");
                    case 1 -> event.put("request_forward_time", "2020-01-01T00:00:00.000Z");
                    case 2 -> event.put("is_success", "maybe");
                    case 3 -> event.put("cost", -1);
                    default -> event.put("request_arrival_time", "yesterday");
                }
            }
            mixed.set(i, event);
            expects.add(invalid ? Expect.DEAD_LETTERED : Expect.STORED);
            labels.add(invalid ? "invalid event" : "valid event beside invalid ones");
        }
        poison.add(Message.mixed(mixed, expects, labels));
        int validCount = integer(o, "valid", 20);
        List<Message> behind = new ArrayList<>();
        for (Map<String, Object> event : valid.subList(13, 13 + Math.min(validCount, 27))) {
            behind.add(Message.of(List.of(event), Expect.STORED, "valid entry behind the poison"));
        }
        String[] redis = required(o, "redis").split(":");
        ChaosStreamSender sender = new ChaosStreamSender(redis[0], Integer.parseInt(redis[1]), required(o, "stream"), seconds(o, "give-up-after", 30));
        // one entry every 0.2 s: each consumer takes one or a few of them per read, as a trickle of real traffic would
        List<Item> items = new ArrayList<>(sender.send(poison, Duration.ofMillis(200L * poison.size())));
        Thread.sleep(2000);
        items.addAll(sender.send(behind, Duration.ofMillis(100L * behind.size())));
        new ChaosLedger(List.of(project.toString()), List.of("publisher: " + sender.answers()), items).write(Path.of(required(o, "ledger")));
        err.println("chaos poison: " + items.size() + " items in " + (poison.size() + behind.size()) + " entries; " + sender.answers());
        return 0;
    }

    private static int count(Map<String, String> o, Map<String, String> env, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        List<ChaosLedger> ledgers = new ArrayList<>();
        for (String file : required(o, "ledger").split(",")) {
            ledgers.add(ChaosLedger.read(Path.of(file)));
        }
        String host = null;
        int port = 0;
        if (o.containsKey("redis")) {
            String[] redis = o.get("redis").split(":");
            host = redis[0];
            port = Integer.parseInt(redis[1]);
        }
        ChaosCounter.Target target = new ChaosCounter.Target(URI.create(required(o, "clickhouse-url")), o.getOrDefault("database", "bud"),
                host, port, host == null ? null : o.getOrDefault("stream", "budMetricsMessages"), o.getOrDefault("group", "budmetrics"),
                env.get("CLICKHOUSE_USER"), env.get("CLICKHOUSE_PASSWORD"));
        List<String> notes = o.containsKey("note") ? List.of(o.get("note")) : List.of();
        ChaosCounter.Row row = new ChaosCounter(target, err).count(required(o, "fault"), ledgers, seconds(o, "wait", 60), seconds(o, "settle", 3),
                notes);
        out.println(row.markdown());
        if (o.containsKey("table")) {
            Files.writeString(Path.of(o.get("table")), row.markdown() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        return row.lost() > 0 || row.duplicated() > 0 ? 3 : 0;
    }

    private static String required(Map<String, String> o, String key) {
        String value = o.get(key);
        if (value == null || value.isBlank()) {
            throw new BenchException("--" + key + " is required");
        }
        return value;
    }

    private static int integer(Map<String, String> o, String key, int fallback) {
        String value = o.get(key);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new BenchException("--" + key + " must be an integer, got " + value);
        }
    }

    private static Duration seconds(Map<String, String> o, String key, int fallback) {
        return Duration.ofSeconds(integer(o, key, fallback));
    }

    private static long now(Map<String, String> o) {
        String value = o.get("now");
        try {
            return value == null ? System.currentTimeMillis() : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BenchException("--now must be epoch milliseconds, got " + value);
        }
    }
}
