package ai.bud.metrics.ingest.dedup;

import ai.bud.metrics.ingest.store.StorageException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Serializes writers per inference_id with Redis, and remembers which ids were attempted lately, so that the
 * ClickHouse existence check is needed only where a row could exist (docs/ARCHITECTURE.md, "Ingestion and dedup").
 * Redis is a hint, never the truth about the table: no key state answers "duplicate" on its own. One key per id,
 * {@code {prefix}id:{id}}, holds its state:
 * <ul>
 * <li>{@code d} — stored by an earlier attempt (into this table, or into one that has since been replaced): reported
 * as {@code stored} without a claim, so that the flow asks ClickHouse whether the row is there (a duplicate costs a
 * check, never a wait for other writers); if it is not, the flow claims the id again with {@code takeStored}, which
 * treats {@code d} like {@code r};</li>
 * <li>{@code c<token>} — claimed by the batch {@code token}, whose own key {@code {prefix}t:{token}} says how: {@code
 * <until>} (ms, Redis clock) while its writer holds the claims, {@code d} once the batch's rows are stored (the id
 * then reads as {@code d}: one command commits a whole batch), none after its claims ran out unstored; an id claimed
 * by someone else is retried until it is done or free, for at most {@code claimWait}, then answered RETRY (never a
 * guessed duplicate); a claim past its time is free again;</li>
 * <li>{@code r} — attempted, released without a row written by that attempt;</li>
 * <li>no key — not attempted since the key would have expired.</li>
 * </ul>
 * Every id's key lives {@code doneTtl} (at least the claim TTL) from its last change, and a batch's key outlives
 * the keys of its stored ids, so an id attempted less than
 * {@code doneTtl} ago always has a key; the key of an event stamped further ahead than the clock skew lives until
 * its arrival time (less the skew) plus {@code doneTtl}. {@code {prefix}since} holds when this set of keys began
 * (Redis time) and for which table: the identity of the table instance ({@link TableIdentity}); it starts again
 * after Redis lost its data and whenever the table is another one (recreated, restored, another server). An id found
 * without a key was therefore never attempted, for this table, since {@code max(since, now - doneTtl)}; if its event
 * cannot have been delivered before then (its arrival time, less the allowed clock skew, is later), no row can exist
 * and the existence check is skipped. Every other claimed id is checked in ClickHouse, which stays the authority.
 */
public class Deduplicator implements AutoCloseable {

    /** Claim states answered per id by {@link #CLAIM}. */
    private static final long ACQUIRED_UNSEEN = 0;
    private static final long STORED = 1;
    private static final long BUSY = 2;
    private static final long ACQUIRED_SEEN = 3;

    /** The table identity when none could be read yet: a key set of its own, replaced as soon as one is read. */
    static final String UNKNOWN_TABLE = "unknown";

    /*
     * The scripts get the key prefix as ARGV[1] and the ids after the other arguments; the keys are built in the
     * script, so a batch of 1000 ids sends 1000 short arguments instead of 1000 long key names. (The keys are
     * therefore not declared in KEYS: fine on a single Redis primary, which the scheme requires anyway — see
     * docs/ARCHITECTURE.md.) An id argument is the id, or {@code <id>@<arrival ms>} for an event stamped ahead of the
     * service's clock: its key's TTL is then stretched to last until the arrival time (less the skew) plus the key TTL,
     * so that the key outlives every moment at which the event could take the fast path.
     *
     * {prefix}since is "<ms> <table identity>": the key set's start and the table it belongs to. A claim or an open
     * for another table starts the key set again (now); two writers that disagree for a moment (one has not re-read
     * the identity yet) only move the start forward, which makes more events checked, never fewer.
     */

    /**
     * Shared by the scripts: the Redis time (ms), the start of the key set of table {@code owner}, per-id TTLs, and
     * what an id's key says.
     */
    private static final String COMMON = """
            local function redisNow()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function keySetStart(prefix, owner, now)
              local held = redis.call('GET', prefix .. 'since')
              if held then
                local ms, heldOwner = string.match(held, '^(%d+) (.*)$')
                if ms and heldOwner == owner then return tonumber(ms) end
              end
              redis.call('SET', prefix .. 'since', string.format('%.0f', now) .. ' ' .. owner)
              return now
            end
            -- the id of an argument, and the TTL of its key (s): stretched for an event stamped ahead of the skew
            local function idAndTtl(arg, keyTtl, skewMs, now)
              if #arg <= 36 then return arg, keyTtl end
              local ahead = tonumber(string.sub(arg, 38)) - skewMs - now
              if ahead > 0 then return string.sub(arg, 1, 36), keyTtl + math.ceil(ahead / 1000) end
              return string.sub(arg, 1, 36), keyTtl
            end
            -- what an id's key value says: 'd' stored, 'r' released, 'b' claimed by a writer that still holds it,
            -- 'x' free (a claim whose batch neither holds nor stored it)
            local function stateOf(prefix, v, now)
              if string.sub(v, 1, 1) ~= 'c' then return v end
              if string.sub(v, 2, 2) == ':' then
                -- a claim written before batch keys existed: c:<token>:<until>
                local untilMs = tonumber(string.match(v, ':(%d+)$'))
                if untilMs and untilMs > now then return 'b' end
                return 'x'
              end
              local batch = redis.call('GET', prefix .. 't:' .. string.sub(v, 2))
              if batch == 'd' then return 'd' end
              if batch and tonumber(batch) > now then return 'b' end
              return 'x'
            end
            """;

    /**
     * ARGV = prefix, token, claim TTL in ms, key TTL in s, table identity, clock skew in ms, take stored ('1' or
     * '0'), ids...: answers {now, since, state per id}, where state is 1 when the key says stored (and stored ids
     * are not to be taken), 2 when claimed by another writer, else the claim is taken and state is 0 when the id had
     * no key or 3 when it had one (an earlier attempt). The batch's key holds when its claims run out. One round trip
     * for a whole batch.
     */
    private static final byte[] CLAIM = script(COMMON + """
            local prefix, token, claimMs, keyTtl, owner, skewMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5],
              tonumber(ARGV[6])
            local takeStored = ARGV[7] == '1'
            local now = redisNow()
            local since = keySetStart(prefix, owner, now)
            local claim = 'c' .. token
            redis.call('SET', prefix .. 't:' .. token, string.format('%.0f', now + claimMs), 'PX', claimMs + 1000)
            local out = {now, since}
            for i = 8, #ARGV do
              local id, ttl = idAndTtl(ARGV[i], keyTtl, skewMs, now)
              local key = prefix .. 'id:' .. id
              local state = 0
              -- nearly every id has no key: one command takes the claim
              if not redis.call('SET', key, claim, 'NX', 'EX', ttl) then
                local v = redis.call('GET', key)
                v = v and stateOf(prefix, v, now)
                if v == 'd' and not takeStored then state = 1
                elseif v == 'b' then state = 2
                else
                  redis.call('SET', key, claim, 'EX', ttl)
                  state = 3
                end
              end
              out[i - 5] = state
            end
            return out""");

    /**
     * ARGV = prefix, token, key TTL in s, commit ('1' when the batch stored rows), flags, clock skew in ms, ids...:
     * commits the batch (its key becomes {@code d}, outliving the keys of its stored ids, so each of them reads as
     * stored), and for each id still claimed by the batch, by its flag (a character of ARGV[5]): 'r' released (the
     * key keeps its time), '-' deleted; 'd' ids are sent only when stamped ahead, for the batch key's TTL.
     */
    private static final byte[] FINISH = script(COMMON + """
            local prefix, token, keyTtl, commit, flags, skewMs = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], tonumber(ARGV[6])
            local mine = 'c' .. token
            local now = redisNow()
            local commitTtl = keyTtl
            for i = 7, #ARGV do
              local id, ttl = idAndTtl(ARGV[i], keyTtl, skewMs, now)
              local flag = string.sub(flags, i - 6, i - 6)
              if flag == 'd' then
                if ttl > commitTtl then commitTtl = ttl end
              else
                local key = prefix .. 'id:' .. id
                if flag == 'r' then
                  -- one command in the usual case (the key still holds our claim); XX: never creates a key
                  local old = redis.call('SET', key, 'r', 'XX', 'KEEPTTL', 'GET')
                  -- not ours any more (our claim ran out and another writer took the id): its value goes back
                  if old and old ~= mine then redis.call('SET', key, old, 'KEEPTTL') end
                elseif redis.call('GET', key) == mine then
                  redis.call('DEL', key)
                end
              end
            end
            if commit == '1' then redis.call('SET', prefix .. 't:' .. token, 'd', 'EX', commitTtl + 1) end
            return {}""");

    /** ARGV = prefix, table identity: starts the key set of that table unless it runs already; answers its start. */
    private static final byte[] OPEN = script(COMMON + """
            return {keySetStart(ARGV[1], ARGV[2], redisNow())}""");

    /**
     * The claims of one call: ids this writer holds, ids whose key says stored (not claimed: ClickHouse is to confirm
     * it), ids still held by another writer; of the acquired ids, those that had no key ({@code unseen}); the Redis
     * time of the first claim script ({@code redisNowMillis}), the start of the key set ({@code sinceMillis}), and the
     * events stamped ahead ({@code ahead}: id to its arrival time, ms) so that finishing keeps their keys as long.
     */
    public record Claims(String token, Set<UUID> acquired, Set<UUID> stored, Set<UUID> busy, Set<UUID> unseen, long redisNowMillis,
            long sinceMillis, Map<UUID, Long> ahead) {
    }

    private static final Logger log = LoggerFactory.getLogger(Deduplicator.class);
    private static final SecureRandom TOKENS = new SecureRandom();

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
    private final Supplier<String> tableIdentity;

    /**
     * @param clockSkew     how far an event's {@code request_arrival_time} may be later than the moment it was first
     *                      delivered (the gateway's clock ahead of Redis's); bounds the window where the existence
     *                      check is skipped
     * @param tableIdentity the identity of the table instance the rows go to ({@link TableIdentity#current()}): the
     *                      key set belongs to it and starts again when it changes
     */
    public Deduplicator(StringRedisTemplate redis, String keyPrefix, String database, Duration claimTtl, Duration claimWait,
            Duration doneTtl, Duration clockSkew, Supplier<String> tableIdentity) {
        finisher.allowCoreThreadTimeOut(true);
        this.redis = redis;
        this.prefix = keyPrefix + ":" + database + ":";
        this.claimTtl = claimTtl;
        this.claimWait = claimWait;
        this.doneTtl = doneTtl;
        this.clockSkew = clockSkew;
        this.tableIdentity = tableIdentity;
    }

    /** With one fixed table identity (tests that do not replace the table). */
    public Deduplicator(StringRedisTemplate redis, String keyPrefix, String database, Duration claimTtl, Duration claimWait,
            Duration doneTtl, Duration clockSkew) {
        this(redis, keyPrefix, database, claimTtl, claimWait, doneTtl, clockSkew, () -> "fixed");
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
        List<Long> answer = run(OPEN, List.of(), owner());
        return answer.isEmpty() ? 0 : answer.get(0);
    }

    /** The table the key set belongs to; a blank identity would read as another table's, so it never is one. */
    private String owner() {
        String identity = tableIdentity.get();
        return identity == null || identity.isBlank() ? UNKNOWN_TABLE : identity.strip();
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
        return claim(ids, Map.of(), false);
    }

    /**
     * Claims {@code ids}; {@code ahead} holds the arrival time (ms) of the events stamped later than this service's
     * clock (the others may be left out): the keys of those beyond the clock skew are kept until that time plus the
     * key TTL. An id whose key says stored is reported in {@link Claims#stored()} and left alone, unless
     * {@code takeStored} (ClickHouse has no row for it): then it is claimed like any id with a key.
     */
    public Claims claim(Collection<UUID> ids, Map<UUID, Long> ahead, boolean takeStored) {
        String token = newToken();
        Set<UUID> remaining = new LinkedHashSet<>(ids);
        Set<UUID> acquired = new HashSet<>();
        Set<UUID> stored = new HashSet<>();
        Set<UUID> unseen = new HashSet<>();
        Map<UUID, Long> aheadOfClaimed = new HashMap<>();
        ids.forEach(id -> {
            Long arrival = ahead.get(id);
            if (arrival != null) {
                aheadOfClaimed.put(id, arrival);
            }
        });
        long redisNow = 0;
        long since = Long.MAX_VALUE;
        long deadline = System.nanoTime() + claimWait.toNanos();
        long pause = 5;
        String owner = owner();
        try {
            while (!remaining.isEmpty()) {
                List<UUID> order = new ArrayList<>(remaining);
                List<Long> answer = run(CLAIM, arguments(order, aheadOfClaimed), token, Long.toString(claimTtl.toMillis()),
                        Long.toString(keyTtlSeconds()), owner, Long.toString(clockSkew.toMillis()), takeStored ? "1" : "0");
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
                    if (state == STORED) {
                        stored.add(id);
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
                release(new Claims(token, acquired, stored, remaining, Set.of(), 0, Long.MAX_VALUE, aheadOfClaimed));
            } catch (RuntimeException ignored) {
                // they expire
            }
            throw new StorageException("Redis unavailable for dedup claims", e, true);
        }
        return new Claims(token, acquired, stored, remaining, unseen, redisNow, since, aheadOfClaimed);
    }

    /**
     * Commits the batch of {@code claims} for its {@code stored} ids (one command, whatever their number) and releases
     * every other claim of it, in one script.
     */
    public void finish(Claims claims, Collection<UUID> stored) {
        if (claims.acquired().isEmpty()) {
            return;
        }
        Set<UUID> storedSet = stored instanceof Set<UUID> set ? set : new HashSet<>(stored);
        List<UUID> ids = new ArrayList<>();
        StringBuilder flags = new StringBuilder();
        boolean commit = false;
        for (UUID id : claims.acquired()) {
            char flag = !markersEnabled() ? '-' : storedSet.contains(id) ? 'd' : 'r';
            if (flag == 'd') {
                commit = true;
                if (!claims.ahead().containsKey(id)) {
                    continue; // the batch key's TTL needs only the ids stamped ahead
                }
            }
            ids.add(id);
            flags.append(flag);
        }
        run(FINISH, arguments(ids, claims.ahead()), claims.token(), Long.toString(keyTtlSeconds()), commit ? "1" : "0",
                flags.toString(), Long.toString(clockSkew.toMillis()));
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

    /** The id arguments of the scripts: the id, with {@code @<arrival ms>} for an event stamped ahead. */
    private static List<byte[]> arguments(List<UUID> ids, Map<UUID, Long> ahead) {
        List<byte[]> arguments = new ArrayList<>(ids.size());
        for (UUID id : ids) {
            Long arrival = ahead.isEmpty() ? null : ahead.get(id);
            arguments.add(ascii(arrival == null ? id.toString() : id + "@" + arrival));
        }
        return arguments;
    }

    /** Runs a script with ARGV = key prefix, {@code args}, then the id arguments. */
    @SuppressWarnings("unchecked")
    private List<Long> run(byte[] script, List<byte[]> ids, String... args) {
        byte[][] argv = new byte[1 + args.length + ids.size()][];
        argv[0] = bytes(prefix);
        for (int i = 0; i < args.length; i++) {
            argv[1 + i] = bytes(args[i]);
        }
        for (int i = 0; i < ids.size(); i++) {
            argv[1 + args.length + i] = ids.get(i);
        }
        Object result = redis.execute((RedisCallback<Object>) connection -> connection.scriptingCommands().eval(script, ReturnType.MULTI,
                0, argv));
        return result instanceof List<?> list ? (List<Long>) list : List.of();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** A batch's token: 96 random bits, short enough that a claim's value stays a small string in Redis. */
    private static String newToken() {
        byte[] random = new byte[12];
        TOKENS.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** The key of an id's state (tests). */
    String key(UUID id) {
        return prefix + "id:" + id;
    }

    /** The key of the batch {@code token}: when its claims run out, or {@code d} once its rows are stored (tests). */
    String batchKey(String token) {
        return prefix + "t:" + token;
    }

    /** The key holding when the key set began (tests). */
    String sinceKey() {
        return prefix + "since";
    }

    /** The value of {@link #sinceKey()} for a key set of the current table begun at {@code millis} (tests). */
    String sinceValue(long millis) {
        return millis + " " + owner();
    }

    /**
     * What an id's key says, as one value (tests): {@code d} for an id of a committed batch as for a plain marker,
     * {@code c:<token>:<until>} for a claim its batch still holds (or held: {@code until} is then past, or absent
     * once the batch's key expired), {@code r}, or null for no key.
     */
    String state(UUID id) {
        String value = redis.opsForValue().get(key(id));
        if (value == null || !value.startsWith("c") || value.startsWith("c:")) {
            return value;
        }
        String token = value.substring(1);
        String batch = redis.opsForValue().get(batchKey(token));
        return "d".equals(batch) ? "d" : claimValue(token, batch == null ? -1 : Long.parseLong(batch));
    }

    /** Claims {@code id} as another writer's batch {@code token} would, until {@code untilMillis} (tests). */
    void holdElsewhere(UUID id, String token, long untilMillis, Duration keyTtl) {
        redis.opsForValue().set(batchKey(token), Long.toString(untilMillis), keyTtl);
        redis.opsForValue().set(key(id), "c" + token, keyTtl);
    }

    /** A claim held by {@code token} until {@code untilMillis} (Redis time), as {@link #state} shows it (tests). */
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
