package ai.bud.metrics.clickhouse;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ClickHouse as a library: chDB's {@code libchdb.so} loaded in this JVM, with persistent storage in one
 * data directory and a small pool of connections (one connection runs one query at a time; several run
 * in parallel). chDB allows one data path per process, so this is a process-wide singleton: {@link #open}
 * returns the running engine when asked for the same directory again and refuses another one.
 */
public final class EmbeddedClickHouse implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedClickHouse.class);
    private static final String LOCK_FILE = ".budmetrics.lock";

    private static EmbeddedClickHouse instance;

    private final Path dataDir;
    private final ChdbLibrary chdb;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final List<Pointer> connectionPointers = new ArrayList<>();
    /** Idle connections of the query lane (analytics and every client of the port that does not ask for ingest). */
    private final BlockingQueue<Pointer> idle;
    /** Idle connections only ingest statements take ({@code workload=ingest}): analytics can never hold them. */
    private final BlockingQueue<Pointer> ingestIdle;
    private final int queryConnections;
    private final java.util.Map<Pointer, String> currentDatabase = new java.util.concurrent.ConcurrentHashMap<>();
    private final ExecutorService nativeThreads;
    private int users;
    private volatile boolean closed;

    /**
     * ClickHouse code needs far deeper stacks than a JVM thread's default 1 MB (a plain SELECT overflows it and
     * the process dies), so every native call runs on one of these threads with a large stack.
     */
    private static final long NATIVE_STACK_BYTES = 64L * 1024 * 1024;
    /**
     * Session settings every connection starts with, where chDB's defaults differ from a server's: chDB turns
     * async_insert on, so an INSERT could return before its rows are visible (dedup and read-after-write rely on
     * them being there).
     */
    static final Map<String, String> BASELINE_SETTINGS = Map.of("async_insert", "0");

    private static final ThreadLocal<Boolean> ON_NATIVE_THREAD = ThreadLocal.withInitial(() -> false);

    private EmbeddedClickHouse(Path library, Path dataDir, int connections, int ingestConnections, long maxServerMemory) {
        this.dataDir = dataDir;
        this.queryConnections = connections;
        if (!Files.isRegularFile(library)) {
            throw new EmbeddedEngineException("chDB library not found at " + library,
                    "run scripts/setup.sh (it fetches libchdb.so into the cache), or set CHDB_LIBRARY to its path");
        }
        try {
            Files.createDirectories(dataDir);
            lockChannel = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock acquired;
            try {
                acquired = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                acquired = null;
            }
            if (acquired == null) {
                lockChannel.close();
                throw new EmbeddedEngineException("data directory " + dataDir + " is locked by another process (lock file "
                        + dataDir.resolve(LOCK_FILE) + ")",
                        "stop the other instance, or give this one its own CLICKHOUSE_EMBEDDED_DATA directory");
            }
            lock = acquired;
        } catch (IOException e) {
            throw new EmbeddedEngineException("cannot use data directory " + dataDir + ": " + e.getMessage(),
                    "check that CLICKHOUSE_EMBEDDED_DATA points to a writable directory");
        }
        long started = System.nanoTime();
        StandardInputDetacher.detach();
        AtomicInteger threadCount = new AtomicInteger();
        this.nativeThreads = Executors.newFixedThreadPool(connections + ingestConnections + 2, task -> {
            Thread thread = new Thread(null, () -> {
                ON_NATIVE_THREAD.set(true);
                task.run();
            }, "chdb-" + threadCount.incrementAndGet(), NATIVE_STACK_BYTES);
            thread.setDaemon(true);
            return thread;
        });
        this.chdb = Native.load(library.toAbsolutePath().toString(), ChdbLibrary.class);
        this.idle = new ArrayBlockingQueue<>(connections);
        this.ingestIdle = new ArrayBlockingQueue<>(Math.max(1, ingestConnections));
        try {
            Path config = writeUserConfig(dataDir, maxServerMemory);
            onNativeThread(() -> {
                connectAll(dataDir, config, connections + ingestConnections);
                return null;
            });
        } catch (RuntimeException e) {
            nativeThreads.shutdownNow();
            releaseLock();
            throw e;
        }
        log.info("embedded ClickHouse (chDB) open on {} with {} query and {} ingest connections, server memory cap {} MB, in {} ms",
                dataDir.toAbsolutePath(), connections, ingestConnections, maxServerMemory >> 20,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static Path writeUserConfig(Path dataDir, long maxServerMemory) {
        try {
            return EngineUserConfig.write(dataDir, maxServerMemory);
        } catch (IOException e) {
            throw new EmbeddedEngineException("cannot write the engine's configuration into " + dataDir + ": " + e.getMessage(),
                    "check that CLICKHOUSE_EMBEDDED_DATA points to a writable directory");
        }
    }

    private void connectAll(Path dataDir, Path config, int connections) {
        SignalHandlerGuard guard = new SignalHandlerGuard().snapshot();
        try {
            chdb.chdb_set_signal_handlers_enabled(0);
            for (int i = 0; i < connections; i++) {
                Pointer connectionPointer = chdb.chdb_connect(3, new String[] {"clickhouse", "--path=" + dataDir.toAbsolutePath(),
                        "--config-file=" + config.toAbsolutePath()});
                if (connectionPointer == null || connectionPointer.getPointer(0) == null) {
                    throw new EmbeddedEngineException("chDB could not open " + dataDir + " (another engine may hold it)",
                            "stop the other instance, or give this one its own CLICKHOUSE_EMBEDDED_DATA directory");
                }
                connectionPointers.add(connectionPointer);
                Pointer connection = connectionPointer.getPointer(0);
                for (Map.Entry<String, String> setting : BASELINE_SETTINGS.entrySet()) {
                    new Session(connection, idle).run(connection, "SET " + setting.getKey() + " = " + setting.getValue(), "TabSeparated");
                }
                (idle.remainingCapacity() > 0 ? idle : ingestIdle).add(connection);
            }
        } catch (RuntimeException e) {
            closeConnections();
            throw e;
        } finally {
            List<Integer> restored = guard.restoreChanged();
            if (!restored.isEmpty()) {
                log.debug("restored JVM handlers of signals {} after chDB connect", restored);
            }
        }
    }

    /** Runs a native call on a large-stack thread (directly when already on one). */
    private <T> T onNativeThread(Callable<T> call) {
        if (ON_NATIVE_THREAD.get()) {
            try {
                return call.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> future = nativeThreads.submit(call);
        try {
            return future.get();
        } catch (InterruptedException e) {
            // the native call cannot be stopped; let it finish and give the caller its interrupt back
            Thread.currentThread().interrupt();
            throw new EngineQueryException("Code: 394. DB::Exception: interrupted while the query ran (QUERY_WAS_CANCELLED)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Opens the process-wide engine with no connections kept for ingest and the default memory cap. */
    public static EmbeddedClickHouse open(Path library, Path dataDir, int connections) {
        return open(library, dataDir, connections, 0, 0);
    }

    /**
     * Opens the process-wide engine, or returns it when it is already open on the same directory (with the lanes it was
     * opened with).
     *
     * @param connections       the query lane: analytics and every client of the port that does not ask for ingest
     * @param ingestConnections the ingest lane, taken only by statements sent with {@code workload=ingest} (0: none, ingest
     *                          shares the query lane)
     * @param maxServerMemory   the engine's {@code max_server_memory_usage} in bytes (0: the engine's default, 90 % of RAM)
     */
    public static synchronized EmbeddedClickHouse open(Path library, Path dataDir, int connections, int ingestConnections,
            long maxServerMemory) {
        Path normalized = dataDir.toAbsolutePath().normalize();
        if (instance != null && !instance.closed) {
            if (!instance.dataDir.equals(normalized)) {
                throw new EmbeddedEngineException("this process already runs the embedded engine on " + instance.dataDir
                        + "; chDB allows one data directory per process", "use one CLICKHOUSE_EMBEDDED_DATA per process");
            }
            instance.users++;
            return instance;
        }
        instance = new EmbeddedClickHouse(library, normalized, Math.max(1, connections), Math.max(0, ingestConnections),
                Math.max(0, maxServerMemory));
        instance.users = 1;
        return instance;
    }

    public Path dataDir() {
        return dataDir;
    }

    public int connections() {
        return connectionPointers.size();
    }

    /** Connections of the query lane (the rest are kept for ingest). */
    public int queryConnections() {
        return queryConnections;
    }

    /** Runs one statement on an idle connection of the query lane. */
    public byte[] query(String sql, String format) {
        try (Session session = session()) {
            return session.query(sql, format);
        }
    }

    /** Takes one connection of the query lane for a sequence of statements; close it to give the connection back. */
    public Session session() {
        return session(false);
    }

    /**
     * Takes one connection for a sequence of statements; close it to give the connection back.
     *
     * @param ingest from the ingest lane (the query lane when the engine keeps no connection for ingest)
     */
    public Session session(boolean ingest) {
        if (closed) {
            throw new EngineQueryException("Code: 1002. DB::Exception: the embedded engine is closed");
        }
        BlockingQueue<Pointer> lane = ingest && connectionPointers.size() > queryConnections ? ingestIdle : idle;
        try {
            return new Session(lane.take(), lane);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineQueryException("Code: 394. DB::Exception: interrupted while waiting for a connection (QUERY_WAS_CANCELLED)");
        }
    }

    /** One borrowed chDB connection. Not thread-safe; one statement at a time. */
    public final class Session implements AutoCloseable {
        private Pointer connection;
        private final BlockingQueue<Pointer> lane;

        private Session(Pointer connection, BlockingQueue<Pointer> lane) {
            this.connection = connection;
            this.lane = lane;
        }

        public byte[] query(String sql, String format) {
            Pointer conn = connection;
            return onNativeThread(() -> run(conn, sql, format));
        }

        private byte[] run(Pointer connection, String sql, String format) {
            byte[] query = sql.getBytes(StandardCharsets.UTF_8);
            byte[] fmt = format.getBytes(StandardCharsets.US_ASCII);
            Pointer result = chdb.chdb_query_n(connection, query, query.length, fmt, fmt.length);
            if (result == null) {
                throw new EngineQueryException("Code: 1002. DB::Exception: chDB returned no result");
            }
            try {
                String error = chdb.chdb_result_error(result);
                if (error != null && !error.isEmpty()) {
                    drainStaleOutput(connection);
                    throw new EngineQueryException(error.strip());
                }
                long length = chdb.chdb_result_length(result);
                Pointer buffer = chdb.chdb_result_buffer(result);
                if (length <= 0 || buffer == null) {
                    return new byte[0];
                }
                return buffer.getByteArray(0, Math.toIntExact(length));
            } finally {
                chdb.chdb_destroy_query_result(result);
            }
        }

        /**
         * A query stopped part-way (e.g. by {@code max_execution_time}) leaves the output it had formatted so far in the
         * connection, and chDB prepends it to the next query's result (seen with chDB 26.5: a RowBinary header and a
         * partial row of the stopped query before the next answer). Probe queries take it until one answers cleanly.
         */
        private void drainStaleOutput(Pointer connection) {
            byte[] probe = "SELECT 1".getBytes(StandardCharsets.UTF_8);
            byte[] fmt = "TabSeparated".getBytes(StandardCharsets.US_ASCII);
            for (int attempt = 0; attempt < 3; attempt++) {
                Pointer result = chdb.chdb_query_n(connection, probe, probe.length, fmt, fmt.length);
                if (result == null) {
                    return;
                }
                try {
                    String error = chdb.chdb_result_error(result);
                    long length = chdb.chdb_result_length(result);
                    Pointer buffer = chdb.chdb_result_buffer(result);
                    boolean clean = (error == null || error.isEmpty()) && length == 2 && buffer != null
                            && buffer.getByte(0) == '1' && buffer.getByte(1) == '\n';
                    if (clean) {
                        return;
                    }
                } finally {
                    chdb.chdb_destroy_query_result(result);
                }
            }
            log.warn("an embedded ClickHouse connection still returned stale output after a failed query");
        }

        /** The database the connection was last switched to with {@link #useDatabase}. */
        public String database() {
            return currentDatabase.getOrDefault(connection, "default");
        }

        /** Makes {@code name} the connection's current database (no round trip when it already is). */
        public void useDatabase(String name) {
            if (!name.equals(database())) {
                query("USE `" + name.replace("\\", "\\\\").replace("`", "\\`") + "`", "TabSeparated");
                currentDatabase.put(connection, name);
            }
        }

        @Override
        public void close() {
            if (connection != null) {
                lane.add(connection);
                connection = null;
            }
        }
    }

    /** Releases one user's hold; the last one closes the connections and the directory lock. */
    @Override
    public void close() {
        synchronized (EmbeddedClickHouse.class) {
            if (closed || --users > 0) {
                return;
            }
            closed = true;
            if (instance == this) {
                instance = null;
            }
        }
        for (int i = 0; i < connectionPointers.size(); i++) {
            try {
                BlockingQueue<Pointer> lane = i < queryConnections ? idle : ingestIdle;
                if (lane.poll(30, TimeUnit.SECONDS) == null) {
                    log.warn("a chDB connection was still busy at shutdown");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        onNativeThread(() -> {
            closeConnections();
            return null;
        });
        nativeThreads.shutdown();
        releaseLock();
        log.info("embedded ClickHouse closed ({})", dataDir);
    }

    private void closeConnections() {
        for (Pointer connectionPointer : connectionPointers) {
            chdb.chdb_close_conn(connectionPointer);
        }
        connectionPointers.clear();
    }

    private void releaseLock() {
        try {
            if (lock != null) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException e) {
            log.debug("lock release failed", e);
        }
    }
}
