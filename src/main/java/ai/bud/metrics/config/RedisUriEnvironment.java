package ai.bud.metrics.config;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/** {@code REDIS_URI}, when set, wins over REDIS_HOST/PORT/PASSWORD (an empty URL would not parse). */
public class RedisUriEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String uri = environment.getProperty("REDIS_URI");
        if (uri != null && !uri.isBlank()) {
            environment.getPropertySources().addFirst(new MapPropertySource("redisUri", Map.of("spring.data.redis.url", uri.strip())));
        }
    }
}
