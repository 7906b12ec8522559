package ai.bud.metrics.bench;

import ai.bud.metrics.bench.ChaosLedger.Expect;
import ai.bud.metrics.bench.ChaosLedger.Item;
import ai.bud.metrics.bench.ChaosLedger.Kind;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Publishes to the Dapr topic stream as the gateway does (one XADD per message, field {@code data} holding a CloudEvent),
 * spread evenly over a duration. A message is acknowledged when Redis answers the XADD with an entry id; when Redis is
 * gone the publisher reconnects and sends it again (0.2 s doubling to 2 s) until its give-up time, like a Dapr
 * sidecar's publish with retries. A reply lost on the way can leave the message twice in the stream: at least once.
 */
final class ChaosStreamSender {

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    /**
     * One message: its events, what should become of each and what each is (labels), or no events and opaque
     * {@code data} in {@code field} (poison entries) with one expectation and label.
     */
    record Message(List<Map<String, Object>> events, List<Expect> expects, List<String> labels, String field, byte[] data) {

        static Message of(List<Map<String, Object>> events, Expect expect, String label) {
            return new Message(events, Collections.nCopies(events.size(), expect), Collections.nCopies(events.size(), label), "data",
                    ChaosEvents.streamEntry(events));
        }

        /** Events in one gateway message, each with its own expectation and label (valid and invalid events side by side). */
        static Message mixed(List<Map<String, Object>> events, List<Expect> expects, List<String> labels) {
            return new Message(events, expects, labels, "data", ChaosEvents.streamEntry(events));
        }

        static Message typed(Map<String, Object> event, String type, Expect expect, String label) {
            return new Message(List.of(event), List.of(expect), List.of(label), "data", ChaosEvents.json(ChaosEvents.cloudEvent(event, type)));
        }

        static Message opaque(String field, byte[] data, Expect expect, String label) {
            return new Message(List.of(), List.of(expect), List.of(label), field, data);
        }
    }

    private final String host;
    private final int port;
    private final String stream;
    private final Duration giveUp;
    private final Map<String, Integer> answers = new TreeMap<>();
    private Resp redis;

    ChaosStreamSender(String host, int port, String stream, Duration giveUp) {
        this.host = host;
        this.port = port;
        this.stream = stream;
        this.giveUp = giveUp;
    }

    /** XADDs the messages, message i not before {@code i * spread / n}; returns the ledger items. */
    List<Item> send(List<Message> messages, Duration spread) throws InterruptedException {
        List<Item> items = new ArrayList<>();
        long start = System.nanoTime();
        long step = messages.isEmpty() ? 0 : spread.toNanos() / messages.size();
        try {
            for (int i = 0; i < messages.size(); i++) {
                ChaosHttpSender.sleepUntil(start + i * step);
                Message message = messages.get(i);
                String entryId = publish(message);
                String ack = entryId == null ? ChaosLedger.NONE : "XADD";
                String id = entryId == null ? ChaosLedger.NONE : entryId;
                if (message.events().isEmpty()) {
                    items.add(new Item("entry:" + i, Kind.ENTRY, ack, id, message.expects().get(0), message.labels().get(0)));
                }
                for (int e = 0; e < message.events().size(); e++) {
                    items.add(new Item(ChaosEvents.inferenceId(message.events().get(e)), Kind.EVENT, ack, id, message.expects().get(e),
                            message.labels().get(e)));
                }
            }
        } finally {
            close();
        }
        return items;
    }

    String answers() {
        List<String> parts = new ArrayList<>();
        answers.forEach((what, count) -> parts.add(what + " ×" + count));
        return String.join(", ", parts);
    }

    private String publish(Message message) throws InterruptedException {
        long deadline = System.nanoTime() + giveUp.toNanos();
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                if (redis == null) {
                    redis = new Resp(host, port);
                }
                String id = redis.xadd(stream, message.field(), message.data());
                answers.merge("XADD ok", 1, Integer::sum);
                return id;
            } catch (IOException e) {
                answers.merge("XADD failed", 1, Integer::sum);
                close();
            }
            if (System.nanoTime() - deadline > 0) {
                answers.merge("messages given up", 1, Integer::sum);
                return null;
            }
            Thread.sleep(backoff.toMillis());
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private void close() {
        if (redis != null) {
            try {
                redis.close();
            } catch (IOException e) {
                // already gone
            }
            redis = null;
        }
    }
}
