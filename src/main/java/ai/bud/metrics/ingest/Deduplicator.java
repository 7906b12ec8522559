package ai.bud.metrics.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Serializes writers per inference_id with Redis claims, so that the ClickHouse existence check and the insert
 * that follows it are never interleaved with another writer's for the same id (docs/ARCHITECTURE.md,
 * "Ingestion and dedup"):
 * <ol>
 * <li>ids with a "done" marker are duplicates without further work;</li>
 * <li>{@code SET claim:{id} token NX PX ttl} for the others; an id claimed by someone else is retried until
 * it is done or free, for at most {@code claimWait}, then answered RETRY (never a guessed duplicate);</li>
 * <li>the caller checks ClickHouse for the claimed ids and inserts the rest, then {@link #finish} sets the
 * done markers and releases the claims (only its own: compare-and-delete on the token).</li>
 * </ol>
 * A crash between insert and finish leaves claims that expire; the next writer then finds the rows in
 * ClickHouse. ClickHouse stays the authority; the markers only save the lookup.
 */
public class Deduplicator implements AutoCloseable {

    private static final long ACQUIRED = 0;
    private static final long BUSY = 2;

    /*
     * The scripts get the key prefix as ARGV[1] and the ids as ARGV[k..]; the keys ({prefix}claim:{id},
     * {prefix}done:{id}) are built in the script, so a batch of 1000 ids sends 1000 short arguments instead of 2000
     * long key names. (The keys are therefore not declared in KEYS: fine on a single Redis primary, which the
     * scheme requires anyway — see docs/ARCHITECTURE.md.)
     */

    /**
     * ARGV = prefix, token, claim TTL in ms, ids...: per id 1 when already done, else 0 when the claim was taken
     * ({@code SET NX PX}), else 2 (held by another writer). One round trip for a whole batch.
     */
    private static final byte[] CLAIM = script("""
            local prefix, token, ttl = ARGV[1], ARGV[2], ARGV[3]
            local out = {}
            for i = 4, #ARGV do
              local id = ARGV[i]
              if redis.call('EXISTS', prefix .. 'done:' .. id) == 1 then out[i - 3] = 1
              elseif redis.call('SET', prefix .. 'claim:' .. id, token, 'NX', 'PX', ttl) then out[i - 3] = 0
              else out[i - 3] = 2 end
            end
            return out""");

    /**
     * ARGV = prefix, token, done TTL in s, flags, ids...: sets the done marker of each id whose flag (a character of
     * ARGV[4]) is '1', then deletes each claim still holding the token.
     */
    private static final byte[] FINISH = script("""
            local prefix, token, ttl, flags = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            for i = 5, #ARGV do
              local id = ARGV[i]
              if string.sub(flags, i - 4, i - 4) == '1' then redis.call('SET', prefix .. 'done:' .. id, '1', 'EX', ttl) end
              local claim = prefix .. 'claim:' .. id
              if redis.call('GET', claim) == token then redis.call('DEL', claim) end
            end
            return {}""");

    /** ARGV = prefix, token, ids...: deletes each claim key only while it still holds this writer's token. */
    private static final byte[] RELEASE = script("""
            local prefix, token = ARGV[1], ARGV[2]
            for i = 3, #ARGV do
              local claim = prefix .. 'claim:' .. ARGV[i]
              if redis.call('GET', claim) == token then redis.call('DEL', claim) end
            end
            return {}""");

    /**
     * The claims of one call: ids this writer holds, ids already done, ids still held by another writer; of the
     * acquired ids, those taken by the first script run ({@code acquiredAtOnce}, free when first asked) and when that
     * run answered ({@code firstAnswerNanos}, {@link System#nanoTime()}).
     */
    public record Claims(String token, Set<UUID> acquired, Set<UUID> done, Set<UUID> busy, Set<UUID> acquiredAtOnce,
            long firstAnswerNanos) {

        Claims(String token, Set<UUID> acquired, Set<UUID> done, Set<UUID> busy) {
            this(token, acquired, done, busy, Set.of(), System.nanoTime());
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Deduplicator.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    /**
     * Runs {@link #finish} after the reply: one thread, in order; when it falls behind, the writer runs the script
     * itself (back-pressure instead of an unbounded queue).
     */
    private final ThreadPoolExecutor finisher = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
            runnable -> {
                Thread thread = new Thread(runnable, "dedup-markers");
                thread.setDaemon(true);
                return thread;
            }, new ThreadPoolExecutor.CallerRunsPolicy());
    private final Duration claimTtl;
    private final Duration claimWait;
    private final Duration doneTtl;

    public Deduplicator(StringRedisTemplate redis, String keyPrefix, String database, Duration claimTtl, Duration claimWait,
            Duration doneTtl) {
        finisher.allowCoreThreadTimeOut(true);
        this.redis = redis;
        this.prefix = keyPrefix + ":" + database + ":";
        this.claimTtl = claimTtl;
        this.claimWait = claimWait;
        this.doneTtl = doneTtl;
    }

    public Duration claimTtl() {
        return claimTtl;
    }

    /** Whether "done" markers are written (a zero or negative done TTL leaves ClickHouse alone to decide). */
    public boolean markersEnabled() {
        return !doneTtl.isZero() && !doneTtl.isNegative();
    }

    public Duration doneTtl() {
        return doneTtl;
    }

    public Claims claim(Collection<UUID> ids) {
        String token = UUID.randomUUID().toString();
        Set<UUID> remaining = new LinkedHashSet<>(ids);
        Set<UUID> acquired = new HashSet<>();
        Set<UUID> done = new HashSet<>();
        Set<UUID> acquiredAtOnce = Set.of();
        long firstAnswer = 0;
        long deadline = System.nanoTime() + claimWait.toNanos();
        long pause = 5;
        try {
            while (!remaining.isEmpty()) {
                List<UUID> order = new ArrayList<>(remaining);
                List<Long> states = run(CLAIM, order, token, Long.toString(claimTtl.toMillis()));
                if (firstAnswer == 0) {
                    firstAnswer = System.nanoTime();
                    Set<UUID> taken = new HashSet<>();
                    for (int i = 0; i < order.size(); i++) {
                        if (states.get(i) == ACQUIRED) {
                            taken.add(order.get(i));
                        }
                    }
                    acquiredAtOnce = taken;
                }
                for (int i = 0; i < order.size(); i++) {
                    long state = states.get(i);
                    if (state != BUSY) {
                        (state == ACQUIRED ? acquired : done).add(order.get(i));
                        remaining.remove(order.get(i));
                    }
                }
                if (remaining.isEmpty() || System.nanoTime() > deadline) {
                    break;
                }
                sleep(pause);
                pause = Math.min(pause * 2, 100);
            }
        } catch (RuntimeException e) {
            try {
                release(new Claims(token, acquired, done, remaining));
            } catch (RuntimeException ignored) {
                // they expire
            }
            throw new StorageException("Redis unavailable for dedup claims", e, true);
        }
        return new Claims(token, acquired, done, remaining, acquiredAtOnce, firstAnswer == 0 ? System.nanoTime() : firstAnswer);
    }

    /** Marks {@code stored} as done and releases every claim of {@code claims}, in one script. */
    public void finish(Claims claims, Collection<UUID> stored) {
        Set<UUID> storedSet = new HashSet<>(stored);
        List<UUID> ids = new ArrayList<>(claims.acquired());
        if (ids.isEmpty()) {
            return;
        }
        boolean markers = markersEnabled();
        StringBuilder flags = new StringBuilder(ids.size());
        for (UUID id : ids) {
            flags.append(markers && storedSet.contains(id) ? '1' : '0');
        }
        run(FINISH, ids, claims.token(), Long.toString(Math.max(1, doneTtl.toSeconds())), flags.toString());
    }

    /**
     * {@link #finish} on the marker thread, so that the reply does not wait for it. Safe because the markers are
     * only a shortcut: until they are set the ids stay claimed, and a writer that meets such a claim waits for the
     * marker (or the claim's expiry, after which ClickHouse is asked) — exactly as when the writer crashed right
     * after the insert. If the script fails the claims expire.
     */
    public void finishInBackground(Claims claims, Collection<UUID> stored) {
        Set<UUID> storedCopy = Set.copyOf(stored);
        finisher.execute(() -> {
            try {
                finish(claims, storedCopy);
            } catch (RuntimeException e) {
                log.warn("dedup markers not written ({}); claims will expire after {}", e.getMessage(), claimTtl);
            }
        });
    }

    /** Waits until every {@link #finishInBackground} handed over so far has run (tests, shutdown). */
    public void awaitBackgroundWork(Duration timeout) {
        try {
            finisher.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("dedup markers still pending after {}", timeout);
        }
    }

    /** Finishes what was handed over (markers of stored rows), then stops the marker thread. */
    @Override
    public void close() {
        finisher.shutdown();
        try {
            if (!finisher.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("dedup markers still pending at shutdown; their claims will expire after {}", claimTtl);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases this writer's claims (ids another writer holds by now are left alone). */
    public void release(Claims claims) {
        if (!claims.acquired().isEmpty()) {
            run(RELEASE, new ArrayList<>(claims.acquired()), claims.token());
        }
    }

    /** Runs a script with ARGV = key prefix, {@code args}, then the ids. */
    @SuppressWarnings("unchecked")
    private List<Long> run(byte[] script, List<UUID> ids, String... args) {
        byte[][] argv = new byte[1 + args.length + ids.size()][];
        argv[0] = bytes(prefix);
        for (int i = 0; i < args.length; i++) {
            argv[1 + i] = bytes(args[i]);
        }
        for (int i = 0; i < ids.size(); i++) {
            argv[1 + args.length + i] = ascii(ids.get(i).toString());
        }
        Object result = redis.execute((RedisCallback<Object>) connection -> connection.scriptingCommands().eval(script, ReturnType.MULTI,
                0, argv));
        return result instanceof List<?> list ? (List<Long>) list : List.of();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    String claimKey(UUID id) {
        return prefix + "claim:" + id;
    }

    String doneKey(UUID id) {
        return prefix + "done:" + id;
    }

    private static byte[] script(String lua) {
        return lua.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for dedup claims", e);
        }
    }
}
