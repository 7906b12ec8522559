package ai.bud.metrics.bench;

import ai.bud.metrics.bench.ChaosLedger.Expect;
import ai.bud.metrics.bench.ChaosLedger.Item;
import ai.bud.metrics.bench.ChaosLedger.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Posts events to {@code /observability/add} as Dapr bulk deliveries, spread evenly over a duration, and answers the
 * outcome as Dapr does: a 200 carries a status per entry (SUCCESS and DROP are final, RETRY is sent again); a 404 drops
 * the whole delivery; any other status or no answer (service killed, connection reset) sends the bulk again. Retries
 * back off (by default from 0.5 s, doubling to 4 s) until every entry is done or the bulk's give-up time has passed
 * (Dapr's resiliency policy bounds them too). Records what each event was last told.
 *
 * <p>Given several instances, sender thread {@code i} starts on instance {@code i mod n} and, when an instance gives no
 * answer (killed: connection refused or lost), moves to the next one, as a load balancer in front of service replicas
 * would take the retry elsewhere.
 */
final class ChaosHttpSender {

    static final String ADD = "/observability/add";
    /** The acknowledgement of an event whose delivery was answered 404: Dapr drops it. */
    static final String DROPPED_BY_404 = "HTTP404";

    /** {@code firstBackoff} doubling to {@code maxBackoff} between the attempts of one bulk. */
    record Settings(List<URI> urls, List<Map<String, Object>> events, int batch, int senders, Duration spread, Duration giveUp,
            Duration firstBackoff, Duration maxBackoff, Expect expect, String label) {
    }

    private final Settings settings;
    private final Map<String, String> acks = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> answers = new TreeMap<>();
    private final java.util.concurrent.atomic.AtomicLong slowestNanos = new java.util.concurrent.atomic.AtomicLong();

    ChaosHttpSender(Settings settings) {
        this.settings = settings;
    }

    List<Item> run() throws InterruptedException {
        List<List<Map<String, Object>>> bulks = new ArrayList<>();
        List<Map<String, Object>> events = settings.events();
        for (int i = 0; i < events.size(); i += settings.batch()) {
            bulks.add(events.subList(i, Math.min(events.size(), i + settings.batch())));
        }
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        long step = bulks.isEmpty() ? 0 : settings.spread().toNanos() / bulks.size();
        ExecutorService pool = Executors.newFixedThreadPool(settings.senders());
        List<Future<?>> futures = new ArrayList<>();
        for (int s = 0; s < settings.senders(); s++) {
            int first = s;
            futures.add(pool.submit(() -> {
                try (Instances instances = new Instances(settings.urls(), first)) {
                    for (int i; (i = next.getAndIncrement()) < bulks.size(); ) {
                        sleepUntil(start + i * step);
                        deliver(instances, bulks.get(i));
                    }
                }
                return null;
            }));
        }
        try {
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new BenchException("http sender failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<Item> items = new ArrayList<>(events.size());
        for (Map<String, Object> event : events) {
            String id = ChaosEvents.inferenceId(event);
            items.add(new Item(id, Kind.EVENT, acks.getOrDefault(id, ChaosLedger.NONE), ChaosLedger.NONE, settings.expect(), settings.label()));
        }
        return items;
    }

    /** What the service answered, counted: {@code HTTP 200 ×12, no answer (connection refused) ×3, entries answered RETRY ×40}. */
    String answers() {
        synchronized (answers) {
            List<String> parts = new ArrayList<>();
            answers.forEach((what, count) -> parts.add(what + " ×" + count.get()));
            return String.join(", ", parts) + String.format(java.util.Locale.ROOT, " (slowest answer %.1f s)", slowestNanos.get() / 1e9);
        }
    }

    private void deliver(Instances instances, List<Map<String, Object>> bulk) throws InterruptedException, IOException {
        Map<String, Map<String, Object>> remaining = new LinkedHashMap<>();
        bulk.forEach(event -> remaining.put(ChaosEvents.inferenceId(event), event));
        long giveUp = System.nanoTime() + settings.giveUp().toNanos();
        Duration backoff = settings.firstBackoff();
        while (!remaining.isEmpty()) {
            boolean progress = false;
            try {
                byte[] body = ChaosEvents.json(ChaosEvents.bulk(new ArrayList<>(remaining.values()), true));
                long sent = System.nanoTime();
                PlainHttp.Answer answer = instances.current().post(ADD, body);
                slowestNanos.accumulateAndGet(System.nanoTime() - sent, Math::max);
                count("HTTP " + answer.status());
                if (answer.status() == 200) {
                    Map<String, String> statuses = statuses(answer.body());
                    for (var it = remaining.keySet().iterator(); it.hasNext(); ) {
                        String id = it.next();
                        String status = statuses.getOrDefault(id, "MISSING");
                        if (status.equals("SUCCESS") || status.equals("DROP")) {
                            acks.put(id, status);
                            it.remove();
                            progress = true;
                        } else {
                            count("entries answered " + status);
                        }
                    }
                } else if (answer.status() == 404) {
                    // Dapr's rule for a subscriber's answer: 404 drops the delivery (logged, never retried); any other
                    // status is retried. So a 404 is an acknowledgement: the events are done with, stored or not.
                    remaining.keySet().forEach(id -> acks.put(id, DROPPED_BY_404));
                    return;
                }
            } catch (IOException e) {
                count("no answer (" + reason(e) + ")");
                if (instances.failOver()) {
                    count("moved to another instance");
                }
            }
            if (remaining.isEmpty()) {
                return;
            }
            if (System.nanoTime() - giveUp > 0) {
                count("bulks given up");
                return;
            }
            Thread.sleep(backoff.toMillis());
            Duration doubled = backoff.multipliedBy(2);
            backoff = progress ? settings.firstBackoff() : doubled.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : doubled;
        }
    }

    private static Map<String, String> statuses(String body) {
        Map<String, String> statuses = new HashMap<>();
        try {
            JsonNode root = ChaosEvents.MAPPER.readTree(body);
            for (JsonNode status : root.path("statuses")) {
                statuses.put(status.path("entryId").asText(), status.path("status").asText());
            }
        } catch (IOException e) {
            // not JSON: every entry is retried
        }
        return statuses;
    }

    private void count(String what) {
        synchronized (answers) {
            answers.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static String reason(IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("refused")) {
            return "connection refused";
        }
        if (message.contains("timed out")) {
            return "timed out";
        }
        return "connection lost";
    }

    /** One sender thread's connection to the instance it is on, and the instances to move to when that one is gone. */
    private static final class Instances implements AutoCloseable {

        private final List<URI> urls;
        private int index;
        private PlainHttp connection;

        Instances(List<URI> urls, int first) {
            this.urls = urls;
            this.index = first % urls.size();
            this.connection = new PlainHttp(urls.get(index));
        }

        PlainHttp current() {
            return connection;
        }

        /** Drops the connection and, when there are other instances, moves to the next; whether it moved. */
        boolean failOver() throws IOException {
            connection.close();
            if (urls.size() == 1) {
                return false;
            }
            index = (index + 1) % urls.size();
            connection = new PlainHttp(urls.get(index));
            return true;
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
