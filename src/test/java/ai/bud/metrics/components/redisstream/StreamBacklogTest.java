package ai.bud.metrics.components.redisstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The group's lag and pending entries as XINFO GROUPS reports them, against counts kept by the test (the real Redis). */
class StreamBacklogTest {

    private final String stream = "stream-backlog-" + UUID.randomUUID();
    private final String group = "group-" + UUID.randomUUID();
    private LettuceConnectionFactory factory;
    private StringRedisTemplate redis;

    @BeforeEach
    void setUp() {
        factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
        factory.afterPropertiesSet();
        redis = new StringRedisTemplate(factory);
    }

    @AfterEach
    void tearDown() {
        redis.delete(stream);
        factory.destroy();
    }

    private List<String> publish(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(redis.opsForStream().add(StreamRecords.string(Map.of("data", "entry " + i)).withStreamKey(stream)).getValue());
        }
        return ids;
    }

    @Test
    void lagIsWhatTheGroupHasNotBeenGivenAndPendingWhatItHasNotAcknowledged() {
        StreamBacklog backlog = new StreamBacklog(redis, stream, group);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        backlog.register(meters);

        backlog.sample();
        assertThat(backlog.lag()).as("no stream yet").isNaN();
        assertThat(backlog.pending()).isNaN();

        int published = 7;
        List<String> ids = publish(published);
        redis.opsForStream().createGroup(stream, ReadOffset.from("0"), group);
        backlog.sample();
        assertThat(backlog.lag()).isEqualTo(published);
        assertThat(backlog.pending()).isZero();

        int read = 3;
        List<MapRecord<String, Object, Object>> delivered = redis.opsForStream().read(Consumer.from(group, "c"),
                StreamReadOptions.empty().count(read), StreamOffset.create(stream, ReadOffset.lastConsumed()));
        assertThat(delivered).hasSize(read);
        int acknowledged = 2;
        redis.opsForStream().acknowledge(stream, group, ids.get(0), ids.get(1));
        publish(1);
        backlog.sample();

        assertThat(backlog.lag()).isEqualTo(published + 1 - read);
        assertThat(backlog.pending()).isEqualTo(read - acknowledged);
        assertThat(meters.get(StreamBacklog.LAG_METER).tag("stream", stream).tag("group", group).gauge().value())
                .isEqualTo(published + 1 - read);
        assertThat(meters.get(StreamBacklog.PENDING_METER).tag("stream", stream).tag("group", group).gauge().value())
                .isEqualTo(read - acknowledged);

        new StreamBacklog(redis, stream, "no-such-group").sample();
        backlog.remove(meters);
        assertThat(meters.find(StreamBacklog.LAG_METER).gauges()).isEmpty();
    }

    /** The component publishes the gauges while a consumer of the stream runs, and withdraws them when it stops. */
    @Test
    void theComponentWatchesEachConsumedStreamWhileItIsConsumed() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        publish(5);
        try (CamelContext camel = new DefaultCamelContext()) {
            RedisStreamComponent component = new RedisStreamComponent(redis, meters);
            camel.addComponent("redis-stream", component);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("redis-stream:" + stream + "?group=" + group + "&consumerName=t&consumers=1&block=100ms&claimInterval=1h")
                            .routeId("backlog").log("read");
                }
            });
            camel.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            StreamBacklog backlog = component.backlog(stream, group);
            assertThat(backlog).isNotNull();
            do {
                Thread.sleep(100);
                backlog.sample();
            } while (!(backlog.lag() == 0 && backlog.pending() == 0) && System.nanoTime() < deadline);

            assertThat(backlog.lag()).as("every entry delivered").isZero();
            assertThat(backlog.pending()).as("and acknowledged").isZero();
            assertThat(meters.get(StreamBacklog.LAG_METER).tag("stream", stream).tag("group", group).gauge()).isNotNull();

            camel.getRouteController().stopRoute("backlog");
            assertThat(component.backlog(stream, group)).isNull();
            assertThat(meters.find(StreamBacklog.LAG_METER).tag("stream", stream).gauges()).isEmpty();
        }
    }
}
