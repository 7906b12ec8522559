package ai.bud.metrics.clickhouse;

import java.nio.file.Path;

/** Where libchdb.so is: the configured path, else the cache scripts/setup.sh fills. */
final class ChdbLibraryLocator {

    static final String CHDB_VERSION = "26.5.3";

    private ChdbLibraryLocator() {
    }

    static Path locate(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String cache = System.getenv("BUDMETRICS_CACHE");
        Path root = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache", "budmetrics");
        return root.resolve("chdb").resolve(CHDB_VERSION).resolve("libchdb.so");
    }
}
