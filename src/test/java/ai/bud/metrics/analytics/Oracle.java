package ai.bud.metrics.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The expected analytics response computed in plain Java over the generated events, straight from SPEC section 2
 * (java.time for buckets, sorting for percentiles); it shares no code with the implementation.
 */
final class Oracle {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final List<String> DIMENSIONS = List.of("model", "project", "endpoint");
    private static final List<String> ASCENDING = List.of("queuing_time", "ttft", "latency");

    private final List<GeneratedEvents.Event> events;

    Oracle(List<GeneratedEvents.Event> events) {
        this.events = events;
    }

    /** A metric's fields in wire order (Long, Double or null) and its primary value. */
    record Value(LinkedHashMap<String, Number> fields, double primary, boolean integer) {
    }

    JsonNode expected(Ask ask) {
        Instant from = instant(ask.from());
        Instant to = instant(ask.to());
        ZoneId zone = ask.timezone() == null ? ZoneOffset.UTC : ZoneId.of(ask.timezone());
        String unit = ask.unit() == null ? "day" : ask.unit();
        List<String> groupBy = ask.groupBy() == null ? List.of() : ask.groupBy();
        boolean delta = ask.delta() == null || ask.delta();
        boolean fill = ask.fill() == null || ask.fill();
        UnaryOperator<Instant> bucketOf = bucketFunction(from, zone, unit, ask.interval());

        List<GeneratedEvents.Event> rows = events.stream()
                .filter(e -> !Instant.ofEpochMilli(e.arrivalMs()).isBefore(from) && !Instant.ofEpochMilli(e.arrivalMs()).isAfter(to))
                .filter(e -> matches(e, ask.filters()))
                .toList();
        Function<GeneratedEvents.Event, List<String>> keyOf = e -> groupBy.stream().map(d -> id(e, d).toString()).toList();

        // top-K over the whole range
        Map<List<String>, Integer> rank = new HashMap<>();
        if (ask.topk() != null) {
            String first = ask.metrics().get(0);
            Map<List<String>, List<GeneratedEvents.Event>> bySeries = rows.stream().collect(Collectors.groupingBy(keyOf));
            Comparator<Map.Entry<List<String>, Double>> byValue = Map.Entry.comparingByValue();
            if (!ASCENDING.contains(first)) {
                byValue = byValue.reversed();
            }
            List<List<String>> order = bySeries.entrySet().stream()
                    .map(en -> Map.entry(en.getKey(), value(first, en.getValue()).primary()))
                    .sorted(byValue.thenComparing(en -> en.getKey(), Oracle::compareKeys))
                    .map(Map.Entry::getKey).toList();
            for (int i = 0; i < Math.min(ask.topk(), order.size()); i++) {
                rank.put(order.get(i), i);
            }
        }

        TreeMap<Instant, Map<List<String>, List<GeneratedEvents.Event>>> buckets = new TreeMap<>();
        for (GeneratedEvents.Event e : rows) {
            List<String> key = keyOf.apply(e);
            if (ask.topk() != null && !rank.containsKey(key)) {
                continue;
            }
            buckets.computeIfAbsent(bucketOf.apply(Instant.ofEpochMilli(e.arrivalMs())), b -> new HashMap<>())
                    .computeIfAbsent(key, k -> new ArrayList<>()).add(e);
        }

        // values and deltas, series by series in time order
        Map<Instant, Map<List<String>, Map<String, ObjectNode>>> shaped = new HashMap<>();
        Map<List<String>, Map<String, Double>> previous = new HashMap<>();
        for (Map.Entry<Instant, Map<List<String>, List<GeneratedEvents.Event>>> bucket : buckets.entrySet()) {
            for (Map.Entry<List<String>, List<GeneratedEvents.Event>> series : bucket.getValue().entrySet()) {
                Map<String, ObjectNode> data = new LinkedHashMap<>();
                Map<String, Double> before = previous.get(series.getKey());
                Map<String, Double> now = new HashMap<>();
                for (String metric : ask.metrics()) {
                    Value v = value(metric, series.getValue());
                    ObjectNode node = JSON.objectNode();
                    v.fields().forEach((name, number) -> put(node, name, number));
                    if (delta) {
                        if (before == null) {
                            put(node, "delta", v.integer() ? (Number) 0L : 0.0);
                            node.put("delta_percent", 0.0);
                        } else {
                            double prev = before.get(metric);
                            double d = round2(v.primary() - prev);
                            put(node, "delta", v.integer() ? (Number) Math.round(v.primary() - prev) : d);
                            double pct = d / prev * 100;
                            node.put("delta_percent", Double.isNaN(pct) ? 0.0 : Double.isInfinite(pct) ? (pct > 0 ? 100.0 : -100.0) : round2(pct));
                        }
                    } else {
                        node.putNull("delta");
                        node.putNull("delta_percent");
                    }
                    now.put(metric, v.primary());
                    data.put(metric, node);
                }
                previous.put(series.getKey(), now);
                shaped.computeIfAbsent(bucket.getKey(), b -> new HashMap<>()).put(series.getKey(), data);
            }
        }

        TreeSet<Instant> periods = new TreeSet<>(buckets.keySet());
        if (fill) {
            periods.addAll(allBuckets(from, to, zone, unit, ask.interval(), bucketOf));
        }
        ObjectNode response = JSON.objectNode();
        response.put("object", "observability_metrics");
        ArrayNode items = response.putArray("items");
        for (Instant period : periods.descendingSet()) {
            ObjectNode p = items.addObject();
            p.put("time_period", format(period, ask.timezone() == null ? null : zone));
            Map<List<String>, Map<String, ObjectNode>> series = shaped.get(period);
            if (series == null) {
                p.putNull("items");
                continue;
            }
            ArrayNode list = p.putArray("items");
            List<List<String>> keys = new ArrayList<>(series.keySet());
            if (ask.topk() != null) {
                keys.sort(Comparator.comparing(rank::get));
            } else {
                keys.sort(Oracle::compareKeys);
            }
            for (List<String> key : keys) {
                ObjectNode item = list.addObject();
                for (String dimension : DIMENSIONS) {
                    int index = groupBy.indexOf(dimension);
                    if (index < 0) {
                        item.putNull(dimension + "_id");
                    } else {
                        item.put(dimension + "_id", key.get(index));
                    }
                }
                ObjectNode data = item.putObject("data");
                series.get(key).forEach(data::set);
            }
        }
        return response;
    }

    private static void put(ObjectNode node, String name, Number value) {
        if (value == null) {
            node.putNull(name);
        } else if (value instanceof Long l) {
            node.put(name, l);
        } else {
            node.put(name, value.doubleValue());
        }
    }

    static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = a.get(i).toLowerCase().compareTo(b.get(i).toLowerCase());
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** A metric over a group of events, per the SPEC table and its null/0 shapes. */
    static Value value(String metric, List<GeneratedEvents.Event> rows) {
        LinkedHashMap<String, Number> f = new LinkedHashMap<>();
        long n = rows.size();
        List<GeneratedEvents.Event> withInference = rows.stream().filter(GeneratedEvents.Event::inference).toList();
        switch (metric) {
            case "request_count" -> {
                f.put("count", n);
                f.put("rate", null);
                return new Value(f, n, true);
            }
            case "success_request", "failure_request" -> {
                boolean wanted = metric.equals("success_request");
                long c = rows.stream().filter(e -> e.success() == wanted).count();
                f.put("count", c);
                f.put("rate", c * 100.0 / n);
                return new Value(f, c, true);
            }
            case "queuing_time" -> {
                double avg = mean(rows.stream().map(e -> (double) (e.forwardMs() - e.arrivalMs())).toList());
                f.put("avg_time_ms", avg);
                return new Value(f, avg, false);
            }
            case "input_token", "output_token" -> {
                long sum = withInference.stream()
                        .map(e -> metric.equals("input_token") ? e.inputTokens() : e.outputTokens())
                        .filter(v -> v != null).mapToLong(Integer::longValue).sum();
                f.put("count", sum);
                f.put("rate", null);
                return new Value(f, sum, true);
            }
            case "concurrent_requests" -> {
                long max = rows.stream().collect(Collectors.groupingBy(e -> Math.floorDiv(e.arrivalMs(), 1000L), Collectors.counting()))
                        .values().stream().mapToLong(Long::longValue).max().orElse(0);
                double v = max > 1 ? max : 0;
                f.put("avg", v);
                return new Value(f, v, false);
            }
            case "ttft", "latency" -> {
                List<Double> xs = withInference.stream()
                        .map(e -> metric.equals("ttft") ? e.ttftMs() : e.responseTimeMs())
                        .filter(v -> v != null).map(Integer::doubleValue).toList();
                double avg = xs.isEmpty() ? 0.0 : mean(xs);
                f.put("avg", avg);
                f.put("p95", percentile(xs, 0.95));
                f.put("p99", percentile(xs, 0.99));
                return new Value(f, avg, false);
            }
            case "throughput" -> {
                List<Double> xs = withInference.stream()
                        .filter(e -> e.outputTokens() != null && e.responseTimeMs() != null && e.responseTimeMs() > 0)
                        .map(e -> e.outputTokens() * 1000.0 / e.responseTimeMs()).toList();
                double avg = xs.isEmpty() ? 0.0 : mean(xs);
                f.put("avg", avg);
                return new Value(f, avg, false);
            }
            case "cache" -> {
                List<GeneratedEvents.Event> hits = withInference.stream().filter(GeneratedEvents.Event::cached).toList();
                double rate = withInference.isEmpty() ? 0.0 : hits.size() * 100.0 / withInference.size();
                List<Double> latencies = hits.stream().map(GeneratedEvents.Event::responseTimeMs).filter(v -> v != null)
                        .map(Integer::doubleValue).toList();
                f.put("hit_rate", rate);
                f.put("hit_count", (long) hits.size());
                f.put("avg_latency_ms", latencies.isEmpty() ? null : mean(latencies));
                return new Value(f, rate, false);
            }
            default -> throw new IllegalArgumentException(metric);
        }
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).sum() / xs.size();
    }

    /** Linear interpolation between closest ranks, position (n-1)*p (numpy's default). */
    static Double percentile(List<Double> xs, double p) {
        if (xs.isEmpty()) {
            return null;
        }
        List<Double> sorted = xs.stream().sorted().toList();
        double position = (sorted.size() - 1) * p;
        int lower = (int) Math.floor(position);
        int upper = Math.min(lower + 1, sorted.size() - 1);
        return sorted.get(lower) + (position - lower) * (sorted.get(upper) - sorted.get(lower));
    }

    static double round2(double x) {
        return new BigDecimal(x).setScale(2, RoundingMode.HALF_EVEN).doubleValue();
    }

    private static UnaryOperator<Instant> bucketFunction(Instant from, ZoneId zone, String unit, Integer interval) {
        if (interval == null) {
            return t -> {
                ZonedDateTime local = t.atZone(zone);
                ZonedDateTime start = switch (unit) {
                    case "hour" -> local.truncatedTo(ChronoUnit.HOURS);
                    case "day" -> local.toLocalDate().atStartOfDay(zone);
                    case "week" -> local.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.SUNDAY)).atStartOfDay(zone);
                    case "month" -> local.toLocalDate().withDayOfMonth(1).atStartOfDay(zone);
                    case "quarter" -> local.toLocalDate().withDayOfMonth(1).withMonth((local.getMonthValue() - 1) / 3 * 3 + 1).atStartOfDay(zone);
                    case "year" -> local.toLocalDate().withDayOfYear(1).atStartOfDay(zone);
                    default -> throw new IllegalArgumentException(unit);
                };
                return start.toInstant();
            };
        }
        long fixed = switch (unit) {
            case "hour" -> 3_600_000L;
            case "day" -> 86_400_000L;
            case "week" -> 604_800_000L;
            default -> 0;
        };
        if (fixed > 0) {
            long length = fixed * interval;
            return t -> Instant.ofEpochMilli(from.toEpochMilli() + Math.floorDiv(t.toEpochMilli() - from.toEpochMilli(), length) * length);
        }
        int months = interval * switch (unit) {
            case "month" -> 1;
            case "quarter" -> 3;
            default -> 12;
        };
        ZonedDateTime origin = from.atZone(zone);
        return t -> {
            Instant start = from;
            for (long k = 1; ; k++) {
                Instant next = origin.plusMonths(k * months).toInstant();
                if (next.isAfter(t)) {
                    return start;
                }
                start = next;
            }
        };
    }

    /** Every bucket start from the bucket of from to the bucket of to, by walking instants forward. */
    private static List<Instant> allBuckets(Instant from, Instant to, ZoneId zone, String unit, Integer interval,
            UnaryOperator<Instant> bucketOf) {
        List<Instant> all = new ArrayList<>();
        Instant last = bucketOf.apply(to);
        Instant current = bucketOf.apply(from);
        while (!current.isAfter(last)) {
            all.add(current);
            // the next bucket starts at the bucket of the first instant after this bucket: probe forward an hour at a time
            Instant probe = current;
            Instant next = current;
            while (!next.isAfter(current)) {
                probe = probe.plus(1, ChronoUnit.HOURS);
                next = bucketOf.apply(probe);
            }
            current = next;
        }
        return all;
    }

    private static boolean matches(GeneratedEvents.Event e, Map<String, List<UUID>> filters) {
        if (filters == null) {
            return true;
        }
        return filters.entrySet().stream().allMatch(f -> f.getValue().contains(id(e, f.getKey())));
    }

    private static UUID id(GeneratedEvents.Event e, String dimension) {
        return switch (dimension) {
            case "model" -> e.modelId();
            case "project" -> e.projectId();
            case "endpoint" -> e.endpointId();
            default -> throw new IllegalArgumentException(dimension);
        };
    }

    static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        }
    }

    private static String format(Instant start, ZoneId zone) {
        if (zone == null) {
            return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").format(start.atOffset(ZoneOffset.UTC));
        }
        ZonedDateTime local = start.atZone(zone);
        String offset = local.getOffset().getId().equals("Z") ? "+00:00" : local.getOffset().getId();
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").format(local.toLocalDateTime()) + offset;
    }
}
