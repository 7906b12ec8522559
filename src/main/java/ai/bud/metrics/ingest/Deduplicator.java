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
 * Serializes writers per inference_id with Redis, and remembers which ids were attempted lately, so that the
 * ClickHouse existence check is needed only where a row could exist (docs/ARCHITECTURE.md, "Ingestion and dedup").
 * One key per id, {@code {prefix}id:{id}}, holds its state:
 * <ul>
 * <li>{@code d} — stored: a duplicate without further work;</li>
 * <li>{@code c:<token>:<until>} — claimed by the writer holding {@code token} until {@code until} (ms, Redis clock);
 * an id claimed by someone else is retried until it is done or free, for at most {@code claimWait}, then answered
 * RETRY (never a guessed duplicate); a claim past its time is free again;</li>
 * <li>{@code r} — attempted, released without a row written by that attempt;</li>
 * <li>no key — not attempted since the key would have expired.</li>
 * </ul>
 * Every key lives {@code doneTtl} (at least the claim TTL) from its last change, so an id attempted less than
 * {@code doneTtl} ago always has a key. {@code {prefix}since} holds when this set of keys began (Redis time, set
 * once; after Redis lost its data it starts again). An id found without a key was therefore never attempted since
 * {@code max(since, now - doneTtl)}; if its event cannot have been delivered before then (its arrival time, less
 * the allowed clock skew, is later), no row can exist and the existence check is skipped. Every other claimed id
 * (a key other than {@code d}, or an event older than that) is checked in ClickHouse, which stays the authority.
 */
public class Deduplicator implements AutoCloseable {

    /** Claim states answered per id by {@link #CLAIM}. */
    private static final long ACQUIRED_UNSEEN = 0;
    private static final long DONE = 1;
    private static final long BUSY = 2;
    private static final long ACQUIRED_SEEN = 3;

    /*
     * The scripts get the key prefix as ARGV[1] and the ids after the other arguments; the keys are built in the
     * script, so a batch of 1000 ids sends 1000 short arguments instead of 1000 long key names. (The keys are
     * therefore not declared in KEYS: fine on a single Redis primary, which the scheme requires anyway — see
     * docs/ARCHITECTURE.md.)
     */

    /**
     * ARGV = prefix, token, claim TTL in ms, key TTL in s, ids...: answers {now, since, state per id}, where state is
     * 1 when stored, 2 when claimed by another writer, else the claim is taken and state is 0 when the id had no key
     * or 3 when it had one (an earlier attempt). One round trip for a whole batch.
     */
    private static final byte[] CLAIM = script("""
            local prefix, token, claimMs, keyTtl = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local since = redis.call('GET', prefix .. 'since')
            if not since then
              since = string.format('%.0f', now)
              redis.call('SET', prefix .. 'since', since)
            end
            local claim = 'c:' .. token .. ':' .. string.format('%.0f', now + claimMs)
            local out = {now, tonumber(since)}
            for i = 5, #ARGV do
              local key = prefix .. 'id:' .. ARGV[i]
              local state = 0
              -- nearly every id has no key: one command takes the claim
              if not redis.call('SET', key, claim, 'NX', 'EX', keyTtl) then
                local v = redis.call('GET', key)
                if v == 'd' then state = 1
                elseif v and string.sub(v, 1, 2) == 'c:' and tonumber(string.match(v, ':(%d+)$')) > now then state = 2
                else
                  redis.call('SET', key, claim, 'EX', keyTtl)
                  state = 3
                end
              end
              out[i - 2] = state
            end
            return out""");

    /**
     * ARGV = prefix, token, key TTL in s, flags, ids...: for each id still claimed with the token, by its flag (a
     * character of ARGV[4]): 'd' stored (marker for the key TTL), 'r' released (the key keeps its time), '-' deleted.
     */
    private static final byte[] FINISH = script("""
            local prefix, token, ttl, flags = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            local mine = 'c:' .. token .. ':'
            for i = 5, #ARGV do
              local key = prefix .. 'id:' .. ARGV[i]
              local flag = string.sub(flags, i - 4, i - 4)
              local old = false
              -- one command in the usual case (the key still holds our claim); XX: never creates a key
              if flag == 'd' then old = redis.call('SET', key, 'd', 'XX', 'EX', ttl, 'GET')
              elseif flag == 'r' then old = redis.call('SET', key, 'r', 'XX', 'KEEPTTL', 'GET')
              else
                local v = redis.call('GET', key)
                if v and string.sub(v, 1, #mine) == mine then redis.call('DEL', key) end
              end
              -- not ours any more (our claim ran out and another writer took the id): its value goes back
              if old and string.sub(old, 1, #mine) ~= mine then redis.call('SET', key, old, 'KEEPTTL') end
            end
            return {}""");

    /** ARGV = prefix: sets {prefix}since to the Redis time unless it is set; answers it. */
    private static final byte[] OPEN = script("""
            local t = redis.call('TIME')
            local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
            redis.call('SET', ARGV[1] .. 'since', now, 'NX')
            return {tonumber(redis.call('GET', ARGV[1] .. 'since'))}""");

    /**
     * The claims of one call: ids this writer holds, ids already stored, ids still held by another writer; of the
     * acquired ids, those that had no key ({@code unseen}); the Redis time of the first claim script
     * ({@code redisNowMillis}) and the start of the key set ({@code sinceMillis}).
     */
    public record Claims(String token, Set<UUID> acquired, Set<UUID> done, Set<UUID> busy, Set<UUID> unseen, long redisNowMillis,
            long sinceMillis) {

        Claims(String token, Set<UUID> acquired, Set<UUID> done, Set<UUID> busy) {
            this(token, acquired, done, busy, Set.of(), 0, Long.MAX_VALUE);
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
    private final Duration clockSkew;

    /**
     * @param clockSkew how far an event's {@code request_arrival_time} may be later than the moment it was first
     *                  delivered (the gateway's clock ahead of Redis's); bounds the window where the existence
     *                  check is skipped
     */
    public Deduplicator(StringRedisTemplate redis, String keyPrefix, String database, Duration claimTtl, Duration claimWait,
            Duration doneTtl, Duration clockSkew) {
        finisher.allowCoreThreadTimeOut(true);
        this.redis = redis;
        this.prefix = keyPrefix + ":" + database + ":";
        this.claimTtl = claimTtl;
        this.claimWait = claimWait;
        this.doneTtl = doneTtl;
        this.clockSkew = clockSkew;
    }

    public Deduplicator(StringRedisTemplate redis, String keyPrefix, String database, Duration claimTtl, Duration claimWait,
            Duration doneTtl) {
        this(redis, keyPrefix, database, claimTtl, claimWait, doneTtl, Duration.ofSeconds(30));
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

    /** How long an id's key lives after its last change: the done TTL, and never less than a claim. */
    private long keyTtlSeconds() {
        return Math.max(1, Math.max(claimTtl.toSeconds() + 1, markersEnabled() ? doneTtl.toSeconds() : 0));
    }

    /**
     * Starts the key set's clock ({@code since}) unless it runs already, so that events arriving from now on, plus
     * the clock skew, can skip the existence check. Answers its start (Redis time, ms); also done by the first claim.
     */
    public long open() {
        List<Long> answer = run(OPEN, List.of());
        return answer.isEmpty() ? 0 : answer.get(0);
    }

    /**
     * Whether a claimed id can have no row, so that the existence check may be skipped: the id had no key when it
     * was claimed, markers are on, and every earlier delivery of the event would have left a key that is still
     * there — the event (arrival time {@code arrivalMillis}, less the clock skew) came after the key set began,
     * less than the done TTL (less the skew) ago, and not from further ahead than the skew.
     */
    public boolean provenUnseen(Claims claims, UUID id, long arrivalMillis) {
        if (!markersEnabled() || !claims.unseen().contains(id)) {
            return false;
        }
        long skew = clockSkew.toMillis();
        long now = claims.redisNowMillis();
        return arrivalMillis - skew >= claims.sinceMillis() && now - arrivalMillis < doneTtl.toMillis() - skew
                && arrivalMillis <= now + skew;
    }

    public Claims claim(Collection<UUID> ids) {
        String token = UUID.randomUUID().toString();
        Set<UUID> remaining = new LinkedHashSet<>(ids);
        Set<UUID> acquired = new HashSet<>();
        Set<UUID> done = new HashSet<>();
        Set<UUID> unseen = new HashSet<>();
        long redisNow = 0;
        long since = Long.MAX_VALUE;
        long deadline = System.nanoTime() + claimWait.toNanos();
        long pause = 5;
        try {
            while (!remaining.isEmpty()) {
                List<UUID> order = new ArrayList<>(remaining);
                List<Long> answer = run(CLAIM, order, token, Long.toString(claimTtl.toMillis()), Long.toString(keyTtlSeconds()));
                if (answer.size() != order.size() + 2) {
                    throw new IllegalStateException("claim script answered " + answer.size() + " values for " + order.size() + " ids");
                }
                if (redisNow == 0) {
                    // the window is judged at the first answer: later rounds only take ids whose key existed (state 3)
                    redisNow = answer.get(0);
                    since = answer.get(1);
                }
                for (int i = 0; i < order.size(); i++) {
                    long state = answer.get(i + 2);
                    UUID id = order.get(i);
                    if (state == BUSY) {
                        continue;
                    }
                    if (state == DONE) {
                        done.add(id);
                    } else {
                        acquired.add(id);
                        if (state == ACQUIRED_UNSEEN) {
                            unseen.add(id);
                        }
                    }
                    remaining.remove(id);
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
        return new Claims(token, acquired, done, remaining, unseen, redisNow, since);
    }

    /** Marks {@code stored} as done and releases every other claim of {@code claims}, in one script. */
    public void finish(Claims claims, Collection<UUID> stored) {
        Set<UUID> storedSet = new HashSet<>(stored);
        List<UUID> ids = new ArrayList<>(claims.acquired());
        if (ids.isEmpty()) {
            return;
        }
        StringBuilder flags = new StringBuilder(ids.size());
        for (UUID id : ids) {
            flags.append(!markersEnabled() ? '-' : storedSet.contains(id) ? 'd' : 'r');
        }
        run(FINISH, ids, claims.token(), Long.toString(keyTtlSeconds()), flags.toString());
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

    /** Releases this writer's claims, with nothing written (ids another writer holds by now are left alone). */
    public void release(Claims claims) {
        finish(claims, Set.of());
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

    /** The key of an id's state (tests). */
    String key(UUID id) {
        return prefix + "id:" + id;
    }

    /** The key holding when the key set began (tests). */
    String sinceKey() {
        return prefix + "since";
    }

    /** The value of a claim held by {@code token} until {@code untilMillis} (Redis time), as another writer sets it (tests). */
    static String claimValue(String token, long untilMillis) {
        return "c:" + token + ":" + untilMillis;
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
