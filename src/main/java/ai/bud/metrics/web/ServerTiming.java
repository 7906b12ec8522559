package ai.bud.metrics.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Collects named durations of one request and renders them as a {@code Server-Timing} header value
 * ({@code parse;dur=1.2, execute;dur=35.0}, milliseconds with one decimal). Not thread-safe: one request's
 * steps run one after another. {@link #mark(String)} records the time since the previous mark (or creation),
 * which is what a flow of consecutive steps needs; {@link #add} records a duration measured elsewhere.
 */
public final class ServerTiming {

    /** The exchange property a flow keeps its timing in (see docs/OPERATIONS.md). */
    public static final String PROPERTY = "budmetrics.serverTiming";
    public static final String HEADER = "Server-Timing";

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    private record Entry(String name, long nanos, String description) {
    }

    private final LongSupplier nanoClock;
    private final List<Entry> entries = new ArrayList<>();
    private long last;

    public ServerTiming() {
        this(System::nanoTime);
    }

    public ServerTiming(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.last = nanoClock.getAsLong();
    }

    /** Records the time since the previous mark under {@code name}. */
    public ServerTiming mark(String name) {
        long now = nanoClock.getAsLong();
        add(name, now - last);
        last = now;
        return this;
    }

    /** Records a duration in nanoseconds; a name recorded twice adds up. */
    public ServerTiming add(String name, long nanos) {
        requireMetricName(name);
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).name().equals(name)) {
                entries.set(i, new Entry(name, entries.get(i).nanos() + Math.max(0, nanos), entries.get(i).description()));
                return this;
            }
        }
        entries.add(new Entry(name, Math.max(0, nanos), null));
        return this;
    }

    /** An entry without a duration that names something ({@code source;desc=rollup}); {@code description} is a token. */
    public ServerTiming describe(String name, String description) {
        requireMetricName(name);
        requireMetricName(description);
        entries.removeIf(entry -> entry.name().equals(name));
        entries.add(new Entry(name, 0, description));
        return this;
    }

    /** {@code name} when it can be a metric name (an HTTP token); else an {@link IllegalArgumentException}. */
    public static String requireMetricName(String name) {
        if (name == null || !TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("a Server-Timing metric name must be an HTTP token, got '" + name + "'");
        }
        return name;
    }

    /** Restarts the interval {@link #mark} measures (e.g. to leave out a wait that is not a step). */
    public ServerTiming restart() {
        last = nanoClock.getAsLong();
        return this;
    }

    /** The durations recorded so far, in nanoseconds by name, in the order of their first record. */
    public java.util.Map<String, Long> durations() {
        java.util.Map<String, Long> durations = new java.util.LinkedHashMap<>();
        entries.forEach(entry -> durations.put(entry.name(), entry.nanos()));
        return durations;
    }

    public String header() {
        StringBuilder out = new StringBuilder();
        for (Entry entry : entries) {
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append(entry.name());
            if (entry.description() != null) {
                out.append(";desc=").append(entry.description());
            } else {
                out.append(";dur=").append(String.format(Locale.ROOT, "%.1f", entry.nanos() / 1_000_000d));
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return header();
    }
}
