package ai.bud.metrics.components.redisstream;

import ai.bud.metrics.components.redisstream.RetrySchedule.Attempt;
import ai.bud.metrics.ingest.store.DeadLetterStore.DeadLetter;
import ai.bud.metrics.ingest.store.StorageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.SynchronizationAdapter;
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
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Consumes one stream through a consumer group (SPEC section 4) on {@code consumers} threads, each a consumer of the
 * group under its own name ({@code name-1}, {@code name-2} …; just {@code name} when there is one): Redis hands each
 * new entry to one of them, and while one's exchange is in the route the next reads. Each first reads its own pending
 * entries (read from id 0, since {@code >} never redelivers them), then new entries in batches; every
 * {@code claimInterval} it claims entries other consumers left pending longer than {@code claimIdle}.
 *
 * <p>Each read is one exchange whose body is a {@link StreamReadBatch} (never one exchange per entry). Entries are
 * acknowledged when the exchange completes, as camel-kafka commits: when the route ends with a
 * {@link StreamBatchResult}, its {@code acknowledge} entries are XACKed and the rest stay pending with their reasons;
 * any other body acknowledges the whole read. A failed exchange acknowledges nothing.
 *
 * <p>An entry that was not acknowledged stays pending and is retried (its own pending entries read again from id 0)
 * every {@code retryBackoff}, doubling up to {@code maxRetryBackoff} while those retries acknowledge nothing — but it
 * does not hold the entries behind it: the consumer keeps taking new entries as long as it holds fewer failed ones
 * than a batch. A whole batch failing (storage down) reaches that bound at once, so during an outage the backlog
 * waits in Redis, not in the consumer's pending list. A read whose exchange fails (not because Redis or storage is
 * unavailable: something in an entry) is halved until the entry at fault is alone, so it fails nobody else. An entry
 * that failed on its {@code maxDeliveries}-th delivery ({@link DeliveryLimit}) is sent to {@code deadLetterUri} and
 * acknowledged once that exchange succeeded. Stopping finishes the reads in the route; the rest stays pending.
 */
public class RedisStreamConsumer extends DefaultConsumer {

    /** Headers of each exchange: the stream, the group, and the consumer (thread) name that read it. */
    public static final String STREAM = "CamelRedisStreamName";
    public static final String GROUP = "CamelRedisStreamGroup";
    public static final String CONSUMER = "CamelRedisStreamConsumer";
    static final String METER = "budmetrics.ingest.stream.entries";
    static final String EXHAUSTED_METER = "budmetrics.ingest.stream.exhausted";

    private static final Logger log = LoggerFactory.getLogger(RedisStreamConsumer.class);
    private static final Duration SHORTEST_BLOCK = Duration.ofMillis(10);
    private static final Attempt NOTHING = new Attempt(0, false);

    private final RedisStreamEndpoint endpoint;
    private final StringRedisTemplate redis;
    private final MeterRegistry meters;
    private final DeliveryLimit limit;
    private final String stream;
    private final String group;
    private final String consumerName;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile boolean running;
    private volatile List<Thread> threads = List.of();
    private ProducerTemplate deadLetters;

    RedisStreamConsumer(RedisStreamEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
        this.redis = endpoint.getComponent().redis();
        this.meters = endpoint.getComponent().meters();
        this.limit = endpoint.deliveryLimit();
        this.stream = endpoint.getStream();
        this.group = endpoint.getGroup();
        this.consumerName = endpoint.getConsumerName().isBlank() ? defaultConsumerName() : endpoint.getConsumerName();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        deadLetters = endpoint.getCamelContext().createProducerTemplate();
        running = true;
        List<Thread> started = new ArrayList<>();
        for (String name : consumerNames()) {
            Thread thread = new Thread(() -> run(name), "redis-stream-" + name);
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        threads = List.copyOf(started);
        endpoint.getComponent().started(this);
        log.info("consuming Redis stream {} as {}/{}", stream, group, consumerNames());
    }

    /** Finishes the reads in the route, then stops; unacknowledged entries stay pending for the next start. */
    @Override
    protected void doStop() throws Exception {
        running = false;
        long deadline = System.nanoTime() + endpoint.getStopTimeout().plus(endpoint.getBlock()).toNanos();
        for (Thread current : threads) {
            try {
                current.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (current.isAlive()) {
                log.warn("Redis stream consumer {} did not stop within {}", current.getName(), endpoint.getStopTimeout());
            }
        }
        threads = List.of();
        endpoint.getComponent().stopped(this);
        if (deadLetters != null) {
            deadLetters.stop();
        }
        super.doStop();
    }

    /** The group's consumer names this instance uses, one per thread. */
    public List<String> consumerNames() {
        if (endpoint.getConsumers() == 1) {
            return List.of(consumerName);
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= endpoint.getConsumers(); i++) {
            names.add(consumerName + "-" + i);
        }
        return names;
    }

    /** Whether every consumer thread is running. */
    public boolean isConsuming() {
        List<Thread> current = threads;
        return running && !current.isEmpty() && current.stream().allMatch(Thread::isAlive);
    }

    public String stream() {
        return stream;
    }

    public String group() {
        return group;
    }

    public String consumerName() {
        return consumerName;
    }

    public long acknowledged() {
        return acknowledged.get();
    }

    /** Entries acknowledged without any of their events stored (rejected as a whole, every event invalid, exhausted). */
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
    void ensureGroup() {
        try {
            redis.execute((RedisCallback<String>) connection -> connection.streamCommands()
                    .xGroupCreate(stream.getBytes(StandardCharsets.UTF_8), group, ReadOffset.from("0"), true));
        } catch (RedisSystemException e) {
            if (!String.valueOf(rootMessage(e)).contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    private void run(String name) {
        // a backlog must not reach routes that are not started yet
        while (running && !endpoint.getCamelContext().isStarted()) {
            pause(Duration.ofMillis(50));
        }
        RetrySchedule schedule = new RetrySchedule(endpoint.getRetryBackoff(), endpoint.getMaxRetryBackoff(), endpoint.getBatchSize(),
                System.nanoTime());
        long nextClaim = System.nanoTime();
        boolean groupReady = false;
        while (running) {
            try {
                if (!groupReady) {
                    ensureGroup();
                    groupReady = true;
                }
                if (System.nanoTime() - nextClaim >= 0) {
                    nextClaim = System.nanoTime() + endpoint.getClaimInterval().toNanos();
                    schedule.processed(claimStale(name), System.nanoTime());
                }
                if (schedule.retryDue(System.nanoTime())) {
                    schedule.retried(retryOwnPending(name), System.nanoTime());
                } else if (!schedule.mayReadNew()) {
                    // a batch's worth of entries this consumer cannot store: storage is down; the backlog waits in Redis
                    pause(Duration.ofNanos(schedule.nanosUntilRetry(System.nanoTime())));
                } else {
                    Duration untilRetry = Duration.ofNanos(schedule.nanosUntilRetry(System.nanoTime()));
                    Duration block = untilRetry.compareTo(endpoint.getBlock()) < 0 ? untilRetry : endpoint.getBlock();
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
                log.warn("Redis stream {} consumer: {} (next attempt in {})", stream, rootMessage(e), pause);
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
     * those that failed too often are dead-lettered.
     */
    Attempt attempt(String name, List<StreamEntry> entries) {
        Map<String, String> failed = new LinkedHashMap<>();
        int acked = process(name, entries, failed);
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
        int exhausted = deadLetter(name, failedEntries);
        return new Attempt(failed.size() - exhausted, acked + exhausted > 0);
    }

    /**
     * Sends the entries that reached the delivery limit to {@code deadLetterUri} and acknowledges them once that
     * exchange succeeded; while it fails (storage down) they stay pending, and their next delivery tries them again.
     */
    private int deadLetter(String name, List<StreamEntry> failedEntries) {
        List<DeadLetter> letters = limit.exhausted(stream, group, name, failedEntries);
        if (letters.isEmpty()) {
            return 0;
        }
        Exchange sent = deadLetters.send(endpoint.getDeadLetterUri(), exchange -> exchange.getMessage().setBody(letters));
        if (sent.getException() != null) {
            log.warn("{} entries of stream {} reached {} deliveries but could not be dead-lettered ({}); they stay pending",
                    letters.size(), stream, limit.maxDeliveries(), rootMessage(sent.getException()));
            return 0;
        }
        List<String> ids = letters.stream().map(DeadLetter::reference).toList();
        redis.opsForStream().acknowledge(stream, group, ids.toArray(String[]::new));
        limit.forget(failedEntries.stream().filter(entry -> ids.contains(entry.id())).toList());
        log.warn("dead-lettered and acknowledged {} entries of stream {} after {} deliveries: {}", ids.size(), stream,
                limit.maxDeliveries(), ids);
        acknowledged.addAndGet(ids.size());
        deadLettered.addAndGet(ids.size());
        // budmetrics_ingest_stream_entries_total{result=dead_lettered} counts them with the other dead-lettered entries
        meters.counter(METER, "stream", stream, "result", "acknowledged").increment(ids.size());
        meters.counter(METER, "stream", stream, "result", "dead_lettered").increment(ids.size());
        meters.counter(EXHAUSTED_METER, "stream", stream).increment(ids.size());
        return ids.size();
    }

    /**
     * Sends entries through the route and returns how many were acknowledged, adding the others to {@code failed} with
     * their reason. When the exchange fails for a reason that is not Redis or storage being unavailable, something in
     * one entry is at fault: the entries are halved until it is alone.
     */
    private int process(String name, List<StreamEntry> entries, Map<String, String> failed) {
        Settled settled;
        try {
            settled = send(name, entries);
        } catch (RuntimeException e) {
            if (unavailable(e) || !running) {
                throw e;
            }
            if (entries.size() == 1) {
                if (!routeWorks(name)) {
                    throw e; // not this entry: the route fails without any (Camel stopping, a route being reloaded …)
                }
                log.warn("stream {} entry {} failed: {}", stream, entries.get(0).id(), rootMessage(e));
                failed.put(entries.get(0).id(), rootMessage(e));
                return 0;
            }
            int half = entries.size() / 2;
            return process(name, entries.subList(0, half), failed) + process(name, entries.subList(half, entries.size()), failed);
        }
        failed.putAll(settled.pending());
        return settled.acknowledged();
    }

    /** Whether the route takes a read without entries: if it does, what failed was in the entries. */
    private boolean routeWorks(String name) {
        try {
            exchange(name, List.of());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** One read through the route as one exchange; what its completion acknowledged. */
    Settled send(String name, List<StreamEntry> entries) {
        Settled settled = exchange(name, entries);
        batches.incrementAndGet();
        acknowledged.addAndGet(settled.acknowledged());
        deadLettered.addAndGet(settled.deadLettered());
        return settled;
    }

    private Settled exchange(String name, List<StreamEntry> entries) {
        StreamReadBatch read = new StreamReadBatch(stream, group, entries);
        Acknowledgement acknowledgement = new Acknowledgement(read);
        Exchange exchange = createExchange(false);
        try {
            exchange.getMessage().setBody(read);
            exchange.getMessage().setHeader(STREAM, stream);
            exchange.getMessage().setHeader(GROUP, group);
            exchange.getMessage().setHeader(CONSUMER, name);
            exchange.getExchangeExtension().addOnCompletion(acknowledgement);
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            if (exchange.getException() != null) {
                throw RuntimeCamelException.wrapRuntimeException(exchange.getException());
            }
            return acknowledgement.settled();
        } finally {
            releaseExchange(exchange, false);
        }
    }

    /** What one exchange's completion did: entries acknowledged (of which dead-lettered) and left pending. */
    record Settled(int acknowledged, int deadLettered, Map<String, String> pending) {
    }

    /** XACKs what the route reported done when the exchange completes; nothing when it fails. */
    private final class Acknowledgement extends SynchronizationAdapter {

        private final StreamReadBatch read;
        private Settled settled;
        private RuntimeException error;

        Acknowledgement(StreamReadBatch read) {
            this.read = read;
        }

        @Override
        public void onComplete(Exchange exchange) {
            if (read.entries().isEmpty()) {
                settled = new Settled(0, 0, Map.of());
                return;
            }
            Map<String, String> pending = new LinkedHashMap<>();
            List<String> ack = new ArrayList<>(read.entries().size());
            int deadLettered = 0;
            if (exchange.getMessage().getBody() instanceof StreamBatchResult result) {
                Set<String> done = new HashSet<>(result.acknowledge());
                for (StreamEntry entry : read.entries()) {
                    String reason = result.pending().get(entry.id());
                    if (reason != null) {
                        pending.put(entry.id(), reason);
                    } else if (done.contains(entry.id())) {
                        ack.add(entry.id());
                    } else {
                        pending.put(entry.id(), "the route did not report this entry");
                    }
                }
                deadLettered = Math.min(result.deadLettered(), ack.size());
            } else {
                read.entries().forEach(entry -> ack.add(entry.id()));
            }
            try {
                if (!ack.isEmpty()) {
                    redis.opsForStream().acknowledge(stream, group, ack.toArray(String[]::new));
                }
            } catch (RuntimeException e) {
                error = e; // nothing acknowledged: the entries are delivered again and found stored
                return;
            }
            // budmetrics_ingest_stream_entries_total{stream,result}: acknowledged (of which dead_lettered) and left pending
            meters.counter(METER, "stream", stream, "result", "acknowledged").increment(ack.size());
            meters.counter(METER, "stream", stream, "result", "dead_lettered").increment(deadLettered);
            meters.counter(METER, "stream", stream, "result", "pending").increment(pending.size());
            settled = new Settled(ack.size(), deadLettered, pending);
        }

        Settled settled() {
            if (error != null) {
                throw error;
            }
            if (settled == null) {
                throw new IllegalStateException("the exchange of stream " + stream + " did not complete");
            }
            return settled;
        }
    }

    private List<StreamEntry> read(String name, ReadOffset offset, Duration block) {
        StreamReadOptions options = StreamReadOptions.empty().count(endpoint.getBatchSize());
        if (block != null) {
            options = options.block(block);
        }
        List<MapRecord<String, Object, Object>> records = redis.opsForStream()
                .read(Consumer.from(group, name), options, StreamOffset.create(stream, offset));
        return toEntries(records);
    }

    /**
     * Claims for consumer {@code name} the entries others left pending longer than claimIdle, and processes them;
     * returns what became of them.
     */
    Attempt claimStale(String name) {
        PendingMessages pending = redis.opsForStream().pending(stream, group, Range.unbounded(), Math.max(endpoint.getBatchSize(), 1000));
        List<String> stale = new ArrayList<>();
        for (PendingMessage message : pending) {
            if (!message.getConsumerName().equals(name)
                    && message.getElapsedTimeSinceLastDelivery().compareTo(endpoint.getClaimIdle()) >= 0) {
                stale.add(message.getIdAsString());
            }
        }
        if (stale.isEmpty()) {
            return NOTHING;
        }
        List<MapRecord<String, Object, Object>> claimed = redis.opsForStream().claim(stream, group, name,
                XClaimOptions.minIdle(endpoint.getClaimIdle()).ids(stale.toArray(String[]::new)));
        if (claimed.isEmpty()) {
            return NOTHING;
        }
        log.info("claimed {} stale entries of stream {} from other consumers", claimed.size(), stream);
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

    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
