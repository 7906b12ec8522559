package ai.bud.metrics.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A test's analytics request: rendered as the JSON body, and read by the {@link Oracle}. Nulls are left out. */
record Ask(List<String> metrics, String from, String to, String unit, Integer interval, Map<String, List<UUID>> filters,
        List<String> groupBy, Boolean delta, Boolean fill, Integer topk, String timezone) {

    static Ask of(String from, String to, String... metrics) {
        return new Ask(List.of(metrics), from, to, null, null, null, null, null, null, null, null);
    }

    Ask unit(String value) {
        return new Ask(metrics, from, to, value, interval, filters, groupBy, delta, fill, topk, timezone);
    }

    Ask every(int n, String value) {
        return new Ask(metrics, from, to, value, n, filters, groupBy, delta, fill, topk, timezone);
    }

    Ask filter(String dimension, UUID... ids) {
        Map<String, List<UUID>> map = new LinkedHashMap<>(filters == null ? Map.of() : filters);
        map.put(dimension, List.of(ids));
        return new Ask(metrics, from, to, unit, interval, map, groupBy, delta, fill, topk, timezone);
    }

    Ask groupBy(String... dimensions) {
        return new Ask(metrics, from, to, unit, interval, filters, List.of(dimensions), delta, fill, topk, timezone);
    }

    Ask delta(boolean value) {
        return new Ask(metrics, from, to, unit, interval, filters, groupBy, value, fill, topk, timezone);
    }

    Ask fill(boolean value) {
        return new Ask(metrics, from, to, unit, interval, filters, groupBy, delta, value, topk, timezone);
    }

    Ask topk(int k) {
        return new Ask(metrics, from, to, unit, interval, filters, groupBy, delta, fill, k, timezone);
    }

    Ask timezone(String zone) {
        return new Ask(metrics, from, to, unit, interval, filters, groupBy, delta, fill, topk, zone);
    }

    Ask metrics(String... names) {
        return new Ask(List.of(names), from, to, unit, interval, filters, groupBy, delta, fill, topk, timezone);
    }

    String toJson(ObjectMapper mapper) {
        ObjectNode body = mapper.createObjectNode();
        ArrayNode names = body.putArray("metrics");
        metrics.forEach(names::add);
        body.put("from_date", from);
        if (to != null) {
            body.put("to_date", to);
        }
        if (unit != null) {
            body.put("frequency_unit", unit);
        }
        if (interval != null) {
            body.put("frequency_interval", interval);
        }
        if (filters != null) {
            ObjectNode f = body.putObject("filters");
            filters.forEach((k, ids) -> {
                if (ids.size() == 1) {
                    f.put(k, ids.get(0).toString());
                } else {
                    ArrayNode list = f.putArray(k);
                    ids.forEach(id -> list.add(id.toString()));
                }
            });
        }
        if (groupBy != null) {
            ArrayNode list = body.putArray("group_by");
            groupBy.forEach(list::add);
        }
        if (delta != null) {
            body.put("return_delta", delta);
        }
        if (fill != null) {
            body.put("fill_time_gaps", fill);
        }
        if (topk != null) {
            body.put("topk", topk);
        }
        if (timezone != null) {
            body.put("timezone", timezone);
        }
        return body.toString();
    }

    @Override
    public String toString() {
        return toJson(new ObjectMapper());
    }
}
