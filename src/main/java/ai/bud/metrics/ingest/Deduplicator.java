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
public class Deduplicator {

    private static final long ACQUIRED = 0;
    private static final long BUSY = 2;

    /**
     * Per id (KEYS[i] = claim key, KEYS[n+i] = done key): 1 when already done, else 0 when the claim was taken
     * ({@code SET NX PX}), else 2 (held by another writer). One round trip for a whole batch.
     */
    private static final byte[] CLAIM = script("""
            local n = #KEYS / 2
            local out = {}
            for i = 1, n do
              if redis.call('EXISTS', KEYS[n + i]) == 1 then out[i] = 1
              elseif redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) then out[i] = 0
              else out[i] = 2 end
            end
            return out""");

    /** Sets the done marker of each stored id (flag '1' in ARGV[3]), then deletes the claims still holding ARGV[1]. */
    private static final byte[] FINISH = script("""
            local n = #KEYS / 2
            for i = 1, n do
              if string.sub(ARGV[3], i, i) == '1' then redis.call('SET', KEYS[n + i], '1', 'EX', ARGV[2]) end
              if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
            end
            return {}""");

    /** Deletes each claim key only while it still holds this writer's token. */
    private static final byte[] RELEASE = script("""
            local n = #KEYS / 2
            for i = 1, n do
              if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
            end
            return {}""");

    /** The claims of one call: ids this writer holds, ids already done, ids still held by another writer. */
    public record Claims(String token, Set<UUID> acquired, Set<UUID> done, Set<UUID> busy) {
    }

    private final StringRedisTemplate redis;
    private final String prefix;
    private final Duration claimTtl;
    private final Duration claimWait;
    private final Duration doneTtl;

    public Deduplicator(StringRedisTemplate redis, String keyPrefix, String database, Duration claimTtl, Duration claimWait,
            Duration doneTtl) {
        this.redis = redis;
        this.prefix = keyPrefix + ":" + database + ":";
        this.claimTtl = claimTtl;
        this.claimWait = claimWait;
        this.doneTtl = doneTtl;
    }

    public Duration claimTtl() {
        return claimTtl;
    }

    public Claims claim(Collection<UUID> ids) {
        String token = UUID.randomUUID().toString();
        Set<UUID> remaining = new LinkedHashSet<>(ids);
        Set<UUID> acquired = new HashSet<>();
        Set<UUID> done = new HashSet<>();
        long deadline = System.nanoTime() + claimWait.toNanos();
        long pause = 5;
        try {
            while (!remaining.isEmpty()) {
                List<UUID> order = new ArrayList<>(remaining);
                List<Long> states = run(CLAIM, order, token, Long.toString(claimTtl.toMillis()));
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
        return new Claims(token, acquired, done, remaining);
    }

    /** Marks {@code stored} as done and releases every claim of {@code claims}, in one script. */
    public void finish(Claims claims, Collection<UUID> stored) {
        Set<UUID> storedSet = new HashSet<>(stored);
        List<UUID> ids = new ArrayList<>(claims.acquired());
        if (ids.isEmpty()) {
            return;
        }
        boolean markers = !doneTtl.isZero() && !doneTtl.isNegative();
        StringBuilder flags = new StringBuilder(ids.size());
        for (UUID id : ids) {
            flags.append(markers && storedSet.contains(id) ? '1' : '0');
        }
        run(FINISH, ids, claims.token(), Long.toString(Math.max(1, doneTtl.toSeconds())), flags.toString());
    }

    /** Releases this writer's claims (ids another writer holds by now are left alone). */
    public void release(Claims claims) {
        if (!claims.acquired().isEmpty()) {
            run(RELEASE, new ArrayList<>(claims.acquired()), claims.token());
        }
    }

    /** Runs a script over the claim and done keys of {@code ids} (KEYS = claim keys, then done keys). */
    @SuppressWarnings("unchecked")
    private List<Long> run(byte[] script, List<UUID> ids, String... args) {
        int n = ids.size();
        byte[][] keysAndArgs = new byte[2 * n + args.length][];
        for (int i = 0; i < n; i++) {
            keysAndArgs[i] = bytes(claimKey(ids.get(i)));
            keysAndArgs[n + i] = bytes(doneKey(ids.get(i)));
        }
        for (int i = 0; i < args.length; i++) {
            keysAndArgs[2 * n + i] = bytes(args[i]);
        }
        Object result = redis.execute((RedisCallback<Object>) connection -> connection.scriptingCommands().eval(script, ReturnType.MULTI,
                2 * n, keysAndArgs));
        return result instanceof List<?> list ? (List<Long>) list : List.of();
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
