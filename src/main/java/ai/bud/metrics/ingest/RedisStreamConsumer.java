package ai.bud.metrics.ingest;

import ai.bud.metrics.ingest.RetrySchedule.Attempt;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
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
 * own pending entries (read from id 0, since {@code >} never redelivers them), then new entries in batches; every
 * {@code claimInterval} it claims entries other consumers left pending longer than {@code claimIdle}. Each batch
 * goes to {@code direct:ingest-redis-batch}, which acknowledges only what was stored, found duplicate or
 * dead-lettered.
 *
 * <p>An entry that could not be stored stays pending and is retried (its own pending entries read again from id 0)
 * every {@code retryBackoff}, doubling up to {@code maxRetryBackoff} while those retries store nothing — but it
 * does not hold the entries behind it: the consumer keeps taking new entries as long as it holds fewer failed ones
 * than a batch. A whole batch failing (storage down) reaches that bound at once, so during an outage the backlog
 * waits in Redis, not in the consumer's pending list. A batch whose route call throws (not a Redis or storage
 * fault: something in an entry) is halved until the entry that throws is alone, so it fails nobody else.
 * {@link DeliveryLimit} dead-letters an entry that failed on its {@code maxDeliveries}-th delivery.
 */
public class RedisStreamConsumer {

    static final String ROUTE = "direct:ingest-redis-batch";
    private static final Logger log = LoggerFactory.getLogger(RedisStreamConsumer.class);
    private static final Duration SHORTEST_BLOCK = Duration.ofMillis(10);
    private static final Attempt NOTHING = new Attempt(0, false);

    private final StringRedisTemplate redis;
    private final ProducerTemplate producer;
    private final RedisStreamProperties settings;
    private final DeliveryLimit limit;
    private final String consumerName;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile boolean running;
    private volatile List<Thread> threads = List.of();

    public RedisStreamConsumer(StringRedisTemplate redis, ProducerTemplate producer, RedisStreamProperties settings, DeliveryLimit limit) {
        this.redis = redis;
        this.producer = producer;
        this.settings = settings;
        this.limit = limit;
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

    /** Entries acknowledged without any of their events stored (rejected as a whole, or every event invalid). */
    public long deadLettered() {
        return deadLettered.get();
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
        RetrySchedule schedule = new RetrySchedule(settings.retryBackoff(), settings.maxRetryBackoff(), settings.batchSize(), System.nanoTime());
        long nextClaim = System.nanoTime();
        boolean groupReady = false;
        while (running) {
            try {
                if (!groupReady) {
                    ensureGroup();
                    groupReady = true;
                }
                if (System.nanoTime() - nextClaim >= 0) {
                    nextClaim = System.nanoTime() + settings.claimInterval().toNanos();
                    schedule.processed(claimStale(name), System.nanoTime());
                }
                if (schedule.retryDue(System.nanoTime())) {
                    schedule.retried(retryOwnPending(name), System.nanoTime());
                } else if (!schedule.mayReadNew()) {
                    // a batch's worth of entries this consumer cannot store: storage is down; the backlog waits in Redis
                    pause(Duration.ofNanos(schedule.nanosUntilRetry(System.nanoTime())));
                } else {
                    Duration untilRetry = Duration.ofNanos(schedule.nanosUntilRetry(System.nanoTime()));
                    Duration block = untilRetry.compareTo(settings.block()) < 0 ? untilRetry : settings.block();
                    List<StreamEntry> entries = read(name, ReadOffset.lastConsumed(), block.compareTo(SHORTEST_BLOCK) < 0 ? SHORTEST_BLOCK : block);
                    if (!entries.isEmpty()) {
                        schedule.processed(attempt(name, entries), System.nanoTime());
                    }
                }
                if (schedule.held() == 0) {
                    lastError.set(null);
                }
            } catch (RuntimeException e) {
                lastError.set(rootMessage(e));
                Duration pause = schedule.failed(System.nanoTime());
                log.warn("Redis stream {} consumer: {} (next attempt in {})", settings.stream(), rootMessage(e), pause);
                groupReady = false; // the stream may have been deleted (NOGROUP): create the group again
                pause(pause);
            }
        }
        log.info("Redis stream consumer {} stopped", name);
    }

    /** Reads all of this consumer's pending entries again (from id 0, in batches) and processes them. */
    private Attempt retryOwnPending(String name) {
        String cursor = "0";
        int failed = 0;
        boolean progress = false;
        while (running) {
            List<StreamEntry> entries = read(name, ReadOffset.from(cursor), null);
            if (entries.isEmpty()) {
                break;
            }
            cursor = entries.get(entries.size() - 1).id();
            Attempt attempt = attempt(name, entries);
            failed += attempt.failed();
            progress |= attempt.progress();
        }
        return new Attempt(failed, progress);
    }

    /**
     * Processes entries delivered to consumer {@code name}; those that failed are remembered with their reason, and
     * those that failed too often are dead-lettered ({@link DeliveryLimit}).
     */
    Attempt attempt(String name, List<StreamEntry> entries) {
        Map<String, String> failed = new LinkedHashMap<>();
        int acked = process(entries, failed);
        if (failed.isEmpty()) {
            limit.forget(entries);
            return new Attempt(0, acked > 0);
        }
        failed.forEach(limit::failed);
        List<StreamEntry> failedEntries = new ArrayList<>(failed.size());
        List<StreamEntry> done = new ArrayList<>(entries.size());
        for (StreamEntry entry : entries) {
            (failed.containsKey(entry.id()) ? failedEntries : done).add(entry);
        }
        limit.forget(done);
        lastError.set(failed.size() + " entries could not be stored; they stay pending (" + failed.values().iterator().next() + ")");
        List<String> exhausted = limit.enforce(settings.stream(), settings.consumerGroup(), name, failedEntries);
        acknowledged.addAndGet(exhausted.size());
        deadLettered.addAndGet(exhausted.size());
        return new Attempt(failed.size() - exhausted.size(), acked + exhausted.size() > 0);
    }

    /**
     * Sends entries through the ingest route and returns how many were acknowledged, adding the others to
     * {@code failed} with their reason. When the route throws for a reason that is not Redis or storage being
     * unavailable, something in one entry is at fault: the entries are halved until it is alone.
     */
    private int process(List<StreamEntry> entries, Map<String, String> failed) {
        StreamBatchResult result;
        try {
            result = send(entries);
        } catch (RuntimeException e) {
            if (unavailable(e) || !running) {
                throw e;
            }
            if (entries.size() == 1) {
                if (!routeWorks()) {
                    throw e; // not this entry: the route fails without any (Camel stopping, a route being reloaded …)
                }
                log.warn("stream {} entry {} failed: {}", settings.stream(), entries.get(0).id(), rootMessage(e));
                failed.put(entries.get(0).id(), rootMessage(e));
                return 0;
            }
            int half = entries.size() / 2;
            return process(entries.subList(0, half), failed) + process(entries.subList(half, entries.size()), failed);
        }
        failed.putAll(result.pending());
        return result.acknowledged();
    }

    /** Whether the ingest route takes a read without entries: if it does, what failed was in the entries. */
    private boolean routeWorks() {
        try {
            producer.requestBody(ROUTE, new StreamReadBatch(settings.stream(), settings.consumerGroup(), List.of()), StreamBatchResult.class);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Sends one read through the ingest route; returns what was acknowledged. */
    StreamBatchResult send(List<StreamEntry> entries) {
        StreamBatchResult result = producer.requestBody(ROUTE, new StreamReadBatch(settings.stream(), settings.consumerGroup(), entries),
                StreamBatchResult.class);
        batches.incrementAndGet();
        acknowledged.addAndGet(result.acknowledged());
        deadLettered.addAndGet(result.deadLettered());
        return result;
    }

    private List<StreamEntry> read(String name, ReadOffset offset, Duration block) {
        StreamReadOptions options = StreamReadOptions.empty().count(settings.batchSize());
        if (block != null) {
            options = options.block(block);
        }
        List<MapRecord<String, Object, Object>> records = redis.opsForStream()
                .read(Consumer.from(settings.consumerGroup(), name), options, StreamOffset.create(settings.stream(), offset));
        return toEntries(records);
    }

    /**
     * Claims for consumer {@code name} the entries others left pending longer than claimIdle, and processes them;
     * returns what became of them.
     */
    Attempt claimStale(String name) {
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
            return NOTHING;
        }
        List<MapRecord<String, Object, Object>> claimed = redis.opsForStream().claim(settings.stream(), settings.consumerGroup(),
                name, XClaimOptions.minIdle(settings.claimIdle()).ids(stale.toArray(String[]::new)));
        if (claimed.isEmpty()) {
            return NOTHING;
        }
        log.info("claimed {} stale entries of stream {} from other consumers", claimed.size(), settings.stream());
        return attempt(name, toEntries(claimed));
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

    /** Redis or storage unavailable: every entry would fail the same way, halving the batch would not help. */
    private static boolean unavailable(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof DataAccessException || cause instanceof StorageException
                    || cause instanceof DirectConsumerNotAvailableException || cause instanceof RejectedExecutionException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
