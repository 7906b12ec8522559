package ai.bud.metrics.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.types.Expiration;

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

    /** Deletes each claim key only while it still holds this writer's token. */
    private static final byte[] RELEASE = ("local n = 0 for i, key in ipairs(KEYS) do "
            + "if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) n = n + 1 end end return n")
            .getBytes(StandardCharsets.UTF_8);

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
                List<String> markers = redis.opsForValue().multiGet(order.stream().map(this::doneKey).toList());
                for (int i = 0; i < order.size(); i++) {
                    if (markers != null && markers.get(i) != null) {
                        done.add(order.get(i));
                        remaining.remove(order.get(i));
                    }
                }
                List<UUID> candidates = new ArrayList<>(remaining);
                byte[] value = token.getBytes(StandardCharsets.UTF_8);
                Expiration expiration = Expiration.milliseconds(claimTtl.toMillis());
                List<Object> results = redis.executePipelined((RedisCallback<Object>) connection -> {
                    for (UUID id : candidates) {
                        connection.stringCommands().set(bytes(claimKey(id)), value, expiration, SetOption.SET_IF_ABSENT);
                    }
                    return null;
                });
                Iterator<Object> result = results.iterator();
                for (UUID id : candidates) {
                    if (Boolean.TRUE.equals(result.next())) {
                        acquired.add(id);
                        remaining.remove(id);
                    }
                }
                if (remaining.isEmpty() || System.nanoTime() > deadline) {
                    break;
                }
                sleep(pause);
                pause = Math.min(pause * 2, 100);
            }
        } catch (RuntimeException e) {
            release(new Claims(token, acquired, done, remaining));
            throw new StorageException("Redis unavailable for dedup claims", e, true);
        }
        return new Claims(token, acquired, done, remaining);
    }

    /** Marks {@code stored} as done, then releases every claim of {@code claims}. */
    public void finish(Claims claims, Collection<UUID> stored) {
        Expiration expiration = Expiration.seconds(Math.max(1, doneTtl.toSeconds()));
        byte[] one = bytes("1");
        try {
            redis.executePipelined((RedisCallback<Object>) connection -> {
                for (UUID id : stored) {
                    connection.stringCommands().set(bytes(doneKey(id)), one, expiration, SetOption.UPSERT);
                }
                return null;
            });
        } finally {
            release(claims);
        }
    }

    /** Releases this writer's claims (ids another writer holds by now are left alone). */
    public void release(Claims claims) {
        if (claims.acquired().isEmpty()) {
            return;
        }
        List<UUID> ids = List.copyOf(claims.acquired());
        byte[][] keysAndToken = new byte[ids.size() + 1][];
        for (int i = 0; i < ids.size(); i++) {
            keysAndToken[i] = bytes(claimKey(ids.get(i)));
        }
        keysAndToken[ids.size()] = bytes(claims.token());
        redis.execute((RedisCallback<Long>) connection -> connection.scriptingCommands().eval(RELEASE, ReturnType.INTEGER, ids.size(),
                keysAndToken));
    }

    String claimKey(UUID id) {
        return prefix + "claim:" + id;
    }

    String doneKey(UUID id) {
        return prefix + "done:" + id;
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
