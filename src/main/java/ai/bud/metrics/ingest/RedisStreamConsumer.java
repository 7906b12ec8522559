package ai.bud.metrics.ingest;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisStreamCommands.XClaimOptions;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.PendingMessage;
import org.springframework.data.redis.connection.stream.PendingMessages;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Consumes the Dapr topic stream through a consumer group (SPEC section 4) on {@code consumers} threads, each a
 * consumer of the group under its own name ({@code name-1}, {@code name-2} …; just {@code name} when there is one):
 * Redis hands each new entry to one of them, and while one stores its batch the next reads. Each first reads its
 * own pending entries (read from id 0, since {@code >} never redelivers them), then new entries in
 * batches; every {@code claimInterval} it claims entries other consumers left pending longer than
 * {@code claimIdle}. Each batch goes to {@code direct:ingest-redis-batch}, which acknowledges only what was
 * stored, found duplicate, dead-lettered or skipped. When something had to be retried (storage down) it
 * backs off and re-reads its own pending entries instead of taking new ones, so nothing is lost and the
 * backlog waits in Redis.
 */
public class RedisStreamConsumer {

    static final String ROUTE = "direct:ingest-redis-batch";
    private static final Logger log = LoggerFactory.getLogger(RedisStreamConsumer.class);

    private final StringRedisTemplate redis;
    private final ProducerTemplate producer;
    private final RedisStreamProperties settings;
    private final String consumerName;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile boolean running;
    private volatile List<Thread> threads = List.of();

    public RedisStreamConsumer(StringRedisTemplate redis, ProducerTemplate producer, RedisStreamProperties settings) {
        this.redis = redis;
        this.producer = producer;
        this.settings = settings;
        this.consumerName = settings.consumerName().isBlank() ? defaultConsumerName() : settings.consumerName();
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        List<Thread> started = new ArrayList<>();
        for (String name : consumerNames()) {
            Thread thread = new Thread(() -> run(name), "redis-stream-" + name);
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        threads = List.copyOf(started);
        log.info("consuming Redis stream {} as {}/{}", settings.stream(), settings.consumerGroup(), consumerNames());
    }

    /** The group's consumer names this instance uses, one per thread. */
    List<String> consumerNames() {
        if (settings.consumers() == 1) {
            return List.of(consumerName);
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= settings.consumers(); i++) {
            names.add(consumerName + "-" + i);
        }
        return names;
    }

    /** Finishes the batch in progress, then stops; unacknowledged entries stay pending for the next start. */
    public synchronized void stop() {
        running = false;
        long deadline = System.nanoTime() + settings.stopTimeout().plus(settings.block()).toNanos();
        for (Thread current : threads) {
            try {
                current.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (current.isAlive()) {
                log.warn("Redis stream consumer {} did not stop within {}", current.getName(), settings.stopTimeout());
            }
        }
        threads = List.of();
    }

    /** Whether every consumer thread is running. */
    public boolean isRunning() {
        List<Thread> current = threads;
        return running && !current.isEmpty() && current.stream().allMatch(Thread::isAlive);
    }

    public String consumerName() {
        return consumerName;
    }

    public RedisStreamProperties settings() {
        return settings;
    }

    public long acknowledged() {
        return acknowledged.get();
    }

    public long skipped() {
        return skipped.get();
    }

    public long batches() {
        return batches.get();
    }

    public String lastError() {
        return lastError.get();
    }

    /** XGROUP CREATE stream group 0 MKSTREAM; an existing group (BUSYGROUP) is fine. */
    public void ensureGroup() {
        try {
            redis.execute((org.springframework.data.redis.core.RedisCallback<String>) connection -> connection.streamCommands()
                    .xGroupCreate(settings.stream().getBytes(java.nio.charset.StandardCharsets.UTF_8), settings.consumerGroup(),
                            ReadOffset.from("0"), true));
        } catch (RedisSystemException e) {
            if (!String.valueOf(rootMessage(e)).contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private void run(String name) {
        Duration backoff = settings.retryBackoff();
        boolean ownPending = true;
        String cursor = "0";
        long nextClaim = 0;
        boolean groupReady = false;
        while (running) {
            try {
                if (!groupReady) {
                    ensureGroup();
                    groupReady = true;
                }
                if (System.nanoTime() - nextClaim >= 0) {
                    nextClaim = System.nanoTime() + settings.claimInterval().toNanos();
                    if (claimStale(name) > 0) {
                        ownPending = true;
                        cursor = "0";
                    }
                }
                List<StreamEntry> entries;
                if (ownPending) {
                    entries = read(name, ReadOffset.from(cursor), false);
                    if (entries.isEmpty()) {
                        ownPending = false;
                        continue;
                    }
                    cursor = entries.get(entries.size() - 1).id();
                } else {
                    entries = read(name, ReadOffset.lastConsumed(), true);
                    if (entries.isEmpty()) {
                        continue;
                    }
                }
                StreamBatchResult result = process(entries);
                if (result.pending() > 0) {
                    ownPending = true;
                    cursor = "0";
                    pause(backoff);
                    backoff = next(backoff);
                } else {
                    backoff = settings.retryBackoff();
                    lastError.set(null);
                }
            } catch (RuntimeException e) {
                lastError.set(rootMessage(e));
                log.warn("Redis stream {} consumer: {} (next attempt in {})", settings.stream(), rootMessage(e), backoff);
                ownPending = true;
                cursor = "0";
                groupReady = false; // the stream may have been deleted (NOGROUP): create the group again
                pause(backoff);
                backoff = next(backoff);
            }
        }
        log.info("Redis stream consumer {} stopped", name);
    }

    /** Sends one read through the ingest route; returns what was acknowledged. */
    StreamBatchResult process(List<StreamEntry> entries) {
        StreamBatchResult result = producer.requestBody(ROUTE, new StreamReadBatch(settings.stream(), settings.consumerGroup(), entries),
                StreamBatchResult.class);
        batches.incrementAndGet();
        acknowledged.addAndGet(result.acknowledged());
        skipped.addAndGet(result.skipped());
        if (result.pending() > 0) {
            lastError.set(result.pending() + " entries could not be stored; they stay pending");
        }
        return result;
    }

    private List<StreamEntry> read(String name, ReadOffset offset, boolean block) {
        StreamReadOptions options = StreamReadOptions.empty().count(settings.batchSize());
        if (block) {
            options = options.block(settings.block());
        }
        List<MapRecord<String, Object, Object>> records = redis.opsForStream()
                .read(Consumer.from(settings.consumerGroup(), name), options, StreamOffset.create(settings.stream(), offset));
        return toEntries(records);
    }

    /** Claims for consumer {@code name} the entries others left pending longer than claimIdle, and processes them. */
    int claimStale(String name) {
        PendingMessages pending = redis.opsForStream().pending(settings.stream(), settings.consumerGroup(), Range.unbounded(),
                Math.max(settings.batchSize(), 1000));
        List<String> stale = new ArrayList<>();
        for (PendingMessage message : pending) {
            if (!message.getConsumerName().equals(name)
                    && message.getElapsedTimeSinceLastDelivery().compareTo(settings.claimIdle()) >= 0) {
                stale.add(message.getIdAsString());
            }
        }
        if (stale.isEmpty()) {
            return 0;
        }
        List<MapRecord<String, Object, Object>> claimed = redis.opsForStream().claim(settings.stream(), settings.consumerGroup(),
                name, XClaimOptions.minIdle(settings.claimIdle()).ids(stale.toArray(String[]::new)));
        if (claimed.isEmpty()) {
            return 0;
        }
        log.info("claimed {} stale entries of stream {} from other consumers", claimed.size(), settings.stream());
        process(toEntries(claimed));
        return claimed.size();
    }

    private static List<StreamEntry> toEntries(List<MapRecord<String, Object, Object>> records) {
        if (records == null || records.isEmpty()) {
            return List.of();
        }
        List<StreamEntry> entries = new ArrayList<>(records.size());
        for (MapRecord<String, Object, Object> record : records) {
            Map<Object, Object> value = record.getValue();
            Object data = value == null ? null : value.get("data");
            entries.add(new StreamEntry(record.getId().getValue(), data == null ? null : data.toString()));
        }
        return entries;
    }

    private Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(settings.maxRetryBackoff()) > 0 ? settings.maxRetryBackoff() : doubled;
    }

    private void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (running && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(50, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String defaultConsumerName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "budmetrics";
            }
        }
        return host;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
