package ai.bud.metrics.components.redisstream;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.ingest.store.DeadLetterStore.DeadLetter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.PendingMessage;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The redis-stream component on its own (a plain Camel context, no Spring, the real Redis): one exchange per read,
 * acknowledged on completion by what the body reports, nothing on failure, and the delivery limit's dead letters
 * acknowledged only when the dead-letter endpoint took them.
 */
class RedisStreamComponentTest {

    private final String stream = "redis-stream-component-" + UUID.randomUUID();
    private final String group = "group-" + UUID.randomUUID();
    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;
    private CamelContext camel;

    @BeforeEach
    void setUp() {
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
        factory.afterPropertiesSet();
        redis = new StringRedisTemplate(factory);
        camel = new DefaultCamelContext();
        camel.addComponent("redis-stream", new RedisStreamComponent(redis, new SimpleMeterRegistry()));
    }

    @AfterEach
    void tearDown() throws Exception {
        camel.close();
        redis.delete(stream);
        factory.destroy();
    }

    private String uri(String options) {
        return "redis-stream:" + stream + "?group=" + group + "&consumerName=test&consumers=1&block=100ms&claimInterval=1h"
                + "&retryBackoff=50ms&maxRetryBackoff=100ms" + options;
    }

    private List<String> publish(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(redis.opsForStream().add(StreamRecords.string(Map.of("data", "entry " + i)).withStreamKey(stream)).getValue());
        }
        return ids;
    }

    /** entry id -> times delivered, of the entries still pending. */
    private Map<String, Long> pending() {
        Map<String, Long> pending = new HashMap<>();
        if (!Boolean.TRUE.equals(redis.hasKey(stream))) {
            return pending;
        }
        for (PendingMessage message : redis.opsForStream().pending(stream, group, Range.unbounded(), 1000)) {
            pending.put(message.getIdAsString(), message.getTotalDeliveryCount());
        }
        return pending;
    }

    private boolean groupRead(String lastId) {
        return Boolean.TRUE.equals(redis.hasKey(stream)) && redis.opsForStream().groups(stream).stream()
                .anyMatch(g -> g.groupName().equals(group) && g.lastDeliveredId().equals(lastId));
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void eachReadIsOneExchangeAndAnyOtherBodyAcknowledgesTheWholeRead() throws Exception {
        List<StreamReadBatch> reads = new CopyOnWriteArrayList<>();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri("&batchSize=7")).process(exchange -> {
                    StreamReadBatch read = exchange.getMessage().getBody(StreamReadBatch.class);
                    assertThat(exchange.getMessage().getHeader(RedisStreamConsumer.STREAM)).isEqualTo(stream);
                    reads.add(read);
                    exchange.getMessage().setBody("done");
                });
            }
        });
        List<String> ids = publish(30);
        camel.start();
        await("all read and acknowledged", () -> groupRead(ids.get(29)) && pending().isEmpty());
        List<String> seen = new ArrayList<>();
        reads.forEach(read -> read.entries().forEach(entry -> seen.add(entry.id())));
        assertThat(seen).containsExactlyElementsOf(ids);
        assertThat(reads).allSatisfy(read -> assertThat(read.entries()).hasSizeBetween(1, 7));
        assertThat(reads.size()).isGreaterThanOrEqualTo(5); // 30 entries in reads of at most 7
        assertThat(reads.get(0).entries().get(0).data()).isEqualTo("entry 0");
    }

    @Test
    void aStreamBatchResultAcknowledgesWhatItNamesAndTheRestIsRedeliveredThenDeadLettered() throws Exception {
        Map<String, Integer> deliveries = new ConcurrentHashMap<>();
        List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri("&maxDeliveries=3&deadLetterUri=direct:letters")).process(exchange -> {
                    StreamReadBatch read = exchange.getMessage().getBody(StreamReadBatch.class);
                    List<String> acknowledge = new ArrayList<>();
                    Map<String, String> pending = new LinkedHashMap<>();
                    for (StreamEntry entry : read.entries()) {
                        deliveries.merge(entry.id(), 1, Integer::sum);
                        int n = Integer.parseInt(entry.data().substring("entry ".length()));
                        if (n % 2 == 0) {
                            acknowledge.add(entry.id());
                        } else {
                            pending.put(entry.id(), "odd entry " + n);
                        }
                    }
                    exchange.getMessage().setBody(new StreamBatchResult(acknowledge, 0, pending, 0, 0, 0));
                });
                from("direct:letters").process(exchange -> deadLetters.addAll(exchange.getMessage().getBody(List.class)));
            }
        });
        List<String> ids = publish(10);
        camel.start();
        await("odd entries dead-lettered, everything acknowledged", () -> groupRead(ids.get(9)) && pending().isEmpty()
                && deadLetters.size() == 5);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(deliveries.get(ids.get(i))).as("deliveries of entry %d", i).isEqualTo(i % 2 == 0 ? 1 : 3);
        }
        List<String> odd = List.of(ids.get(1), ids.get(3), ids.get(5), ids.get(7), ids.get(9));
        assertThat(deadLetters).extracting(DeadLetter::reference).containsExactlyInAnyOrderElementsOf(odd);
        assertThat(deadLetters).allSatisfy(letter -> {
            assertThat(letter.source()).isEqualTo("redis");
            assertThat(letter.error()).startsWith("not stored after 3 deliveries: odd entry ");
            assertThat(letter.payload()).startsWith("entry ");
        });
    }

    @Test
    void aFailedExchangeAcknowledgesNothingAndAFailingDeadLetterKeepsTheEntryPending() throws Exception {
        AtomicBoolean lettersFail = new AtomicBoolean(true);
        Set<String> poison = ConcurrentHashMap.newKeySet();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri("&maxDeliveries=2&deadLetterUri=direct:letters")).process(exchange -> {
                    for (StreamEntry entry : exchange.getMessage().getBody(StreamReadBatch.class).entries()) {
                        if (poison.contains(entry.id())) {
                            throw new IllegalStateException("poison " + entry.id());
                        }
                    }
                });
                from("direct:letters").process(exchange -> {
                    if (lettersFail.get()) {
                        throw new IllegalStateException("dead-letter storage down");
                    }
                });
            }
        });
        List<String> ids = publish(1);
        poison.add(ids.get(0));
        ids.addAll(publish(9));
        camel.start();
        // the read that carried the poison failed; it was halved, so the nine others were acknowledged
        await("the poison is the only entry pending, past the limit", () -> groupRead(ids.get(9))
                && pending().keySet().equals(Set.of(ids.get(0))) && pending().get(ids.get(0)) > 2);
        lettersFail.set(false);
        await("dead-lettered once the dead-letter endpoint works, then acknowledged", () -> pending().isEmpty());
    }
}
