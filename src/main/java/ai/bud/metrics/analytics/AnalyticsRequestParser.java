package ai.bud.metrics.analytics;

import ai.bud.metrics.errors.ApiException;
import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns a request body into an {@link AnalyticsRequest}: a body that is not one UTF-8 JSON object is a 400, every broken
 * rule of SPEC section 2 a 422 naming its field (all of them at once). Values are checked against closed sets (metric names, units,
 * dimensions, IANA zones) or parsed into typed values (UUIDs, instants, integers); nothing else gets through.
 */
public final class AnalyticsRequestParser {

    static final Set<String> FIELDS = Set.of("metrics", "from_date", "to_date", "frequency_unit", "frequency_interval",
            "filters", "group_by", "return_delta", "fill_time_gaps", "topk", "timezone", "exact_percentiles");
    static final int MAX_INTERVAL = 100_000;
    static final int MAX_FILTER_IDS = 1_000;
    static final long MAX_BUCKETS = 100_000;
    /**
     * A year after the engine's first DateTime: the calendar bucket holding from_date starts up to a year (and a zone
     * offset) before it, and a bucket start before 1970-01-01 breaks the bucket series in the engine.
     */
    private static final Instant EARLIEST = Instant.parse("1971-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("2105-12-31T23:59:59.999Z");
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Set<String> ZONES = zones();
    private static final Pattern HINT_TAIL = Pattern.compile("[\\s:;,(]*(?:enable|disable|use)?\\s*$");
    private static final Pattern SPACE_SEPARATED = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:.*");

    private final ObjectMapper mapper;
    private final java.time.Clock clock;

    public AnalyticsRequestParser(java.time.Clock clock) {
        this.mapper = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
        this.clock = clock;
    }

    /**
     * The body must be one JSON object in UTF-8 and nothing after it but white space; Jackson's own guess of the
     * encoding (UTF-16 and UTF-32 without a byte order mark) is not used.
     */
    public AnalyticsRequest parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("body", "body must be a JSON object");
        }
        JsonNode root = readObject(utf8(body));
        return validate(root);
    }

    private static String utf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(body);
        try {
            String text = decoder.decode(bytes).toString();
            // a UTF-8 byte order mark is allowed (and skipped), as Jackson does on bytes
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("body", "body is not valid UTF-8 (at byte " + bytes.position() + ")");
        }
    }

    private JsonNode readObject(String text) {
        try (JsonParser json = mapper.createParser(text)) {
            JsonNode root = mapper.readTree(json);
            if (root == null || root.isMissingNode() || !root.isObject()) {
                throw ApiException.badRequest("body", "body must be a JSON object");
            }
            try {
                if (json.nextToken() != null) {
                    throw trailing(json);
                }
            } catch (JsonProcessingException e) {
                throw trailing(json);
            }
            return root;
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("body", "body nests deeper or holds a longer number or name than a request can");
        } catch (JsonParseException e) {
            JsonLocation at = e.getLocation();
            throw ApiException.badRequest("body", "body is not valid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + reason(e));
        } catch (IOException e) {
            throw ApiException.badRequest("body", "body is not valid JSON");
        }
    }

    /** Jackson's reason without its hints, which name Java settings ({@code enable `JsonReadFeature.…` to allow}). */
    private static String reason(JsonParseException e) {
        String reason = String.valueOf(e.getOriginalMessage());
        int hint = reason.indexOf('`');
        return hint < 0 ? reason : HINT_TAIL.matcher(reason.substring(0, hint)).replaceFirst("");
    }

    private static ApiException trailing(JsonParser json) {
        JsonLocation at = json.currentLocation();
        return ApiException.badRequest("body", "body must hold one JSON object and nothing after it; more follows at line "
                + at.getLineNr() + ", column " + at.getColumnNr());
    }

    private AnalyticsRequest validate(JsonNode root) {
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                // an empty name is shown as "" so that the error still names its field
                errors.add(new FieldError(name.isEmpty() ? "\"\"" : name, "unknown field; allowed fields: " + String.join(", ", FIELDS.stream().sorted().toList())));
            }
        }
        List<String> metrics = metrics(root.get("metrics"), errors);
        Instant from = instant(root.get("from_date"), "from_date", true, errors);
        Instant to = instant(root.get("to_date"), "to_date", false, errors);
        if (from != null && to != null && to.isBefore(from)) {
            errors.add(new FieldError("to_date", "to_date must not be before from_date"));
        }
        if (from != null && to == null && from.isAfter(clock.instant())) {
            errors.add(new FieldError("from_date", "from_date is after now; give a to_date to ask about a range in the future"));
        }
        FrequencyUnit unit = unit(root.get("frequency_unit"), errors);
        Integer interval = positiveInt(root.get("frequency_interval"), "frequency_interval", MAX_INTERVAL, errors);
        Map<Dimension, List<UUID>> filters = filters(root.get("filters"), errors);
        List<Dimension> groupBy = groupBy(root.get("group_by"), errors);
        boolean returnDelta = bool(root.get("return_delta"), "return_delta", true, errors);
        boolean fill = bool(root.get("fill_time_gaps"), "fill_time_gaps", true, errors);
        Integer topk = positiveInt(root.get("topk"), "topk", Integer.MAX_VALUE, errors);
        if (topk != null && groupBy != null && groupBy.isEmpty()) {
            errors.add(new FieldError("topk", "topk requires group_by"));
        }
        if (topk != null && filters != null && !filters.isEmpty()) {
            errors.add(new FieldError("topk", "topk cannot be combined with filters"));
        }
        ZoneId zone = zone(root.get("timezone"), errors);
        boolean exactPercentiles = bool(root.get("exact_percentiles"), "exact_percentiles", false, errors);
        if (errors.isEmpty() && from != null && unit != null) {
            Instant end = to != null ? to : clock.instant();
            long unitMillis = unit.monthBased() ? unit.months() * 28L * 86_400_000L : unit.fixedMillis();
            long buckets = Duration.between(from, end.isBefore(from) ? from : end).toMillis() / (unitMillis * (interval == null ? 1 : interval));
            if (fill && buckets > MAX_BUCKETS) {
                errors.add(new FieldError("frequency_unit", "the range holds more than " + MAX_BUCKETS
                        + " buckets of this size; use a larger frequency_unit or frequency_interval"));
            }
        }
        if (!errors.isEmpty()) {
            throw ApiException.unprocessable(errors);
        }
        return new AnalyticsRequest(metrics, from, to, unit, interval, filters, groupBy, returnDelta, fill, topk, zone, exactPercentiles);
    }

    private static List<String> metrics(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("metrics", "metrics is required"));
            return List.of();
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add(new FieldError("metrics", "metrics must be a non-empty list of metric names (" + MetricRegistry.validNames() + ")"));
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String field = "metrics[" + i + "]";
            if (!item.isTextual() || MetricRegistry.find(item.asText()).isEmpty()) {
                errors.add(new FieldError(field, "unknown metric; valid metrics: " + MetricRegistry.validNames()));
            } else if (!names.add(item.asText())) {
                errors.add(new FieldError(field, "metric listed twice: " + item.asText()));
            }
        }
        return List.copyOf(names);
    }

    static Instant instant(JsonNode node, String field, boolean required, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(new FieldError(field, field + " is required"));
            }
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new FieldError(field, field + " must be an ISO-8601 date-time string"));
            return null;
        }
        Instant value = parseInstant(node.asText());
        if (value == null) {
            errors.add(new FieldError(field, field + " must be an ISO-8601 date-time such as 2024-01-31T00:00:00Z"));
            return null;
        }
        if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
            errors.add(new FieldError(field, field + " must be between 1971-01-01 and 2105-12-31"));
            return null;
        }
        return value.truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * ISO-8601 with {@code Z}, with an offset, or without one (UTC); a bare date is its midnight UTC. A space instead
     * of the {@code T} is accepted too, as the old service's parser did.
     */
    static Instant parseInstant(String raw) {
        String text = SPACE_SEPARATED.matcher(raw).matches() ? raw.substring(0, 10) + "T" + raw.substring(11) : raw;
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeException ignored) {
            // try the forms without an offset
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException ignored) {
            // try a bare date
        }
        try {
            return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static FrequencyUnit unit(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return FrequencyUnit.DAY;
        }
        FrequencyUnit unit = node.isTextual() ? FrequencyUnit.byApiName(node.asText()).orElse(null) : null;
        if (unit == null) {
            errors.add(new FieldError("frequency_unit", "frequency_unit must be one of " + FrequencyUnit.validNames()));
        }
        return unit;
    }

    private static Integer positiveInt(JsonNode node, String field, int max, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1 || node.asInt() > max) {
            errors.add(new FieldError(field, field + " must be an integer from 1" + (max == Integer.MAX_VALUE ? "" : " to " + max)));
            return null;
        }
        return node.asInt();
    }

    private static boolean bool(JsonNode node, String field, boolean defaultValue, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            errors.add(new FieldError(field, field + " must be true or false"));
            return defaultValue;
        }
        return node.asBoolean();
    }

    private static Map<Dimension, List<UUID>> filters(JsonNode node, List<FieldError> errors) {
        Map<Dimension, List<UUID>> filters = new EnumMap<>(Dimension.class);
        if (node == null || node.isNull()) {
            return filters;
        }
        if (!node.isObject()) {
            errors.add(new FieldError("filters", "filters must be an object of " + Dimension.validNames() + " to a UUID or a list of UUIDs"));
            return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            Dimension dimension = Dimension.byApiName(entry.getKey()).orElse(null);
            if (dimension == null) {
                errors.add(new FieldError("filters." + entry.getKey(), "unknown filter; valid filters: " + Dimension.validNames()));
                continue;
            }
            String field = "filters." + dimension.apiName();
            JsonNode value = entry.getValue();
            List<UUID> ids = new ArrayList<>();
            if (value.isTextual()) {
                UUID id = uuid(value.asText());
                if (id == null) {
                    errors.add(new FieldError(field, field + " must be a UUID or a non-empty list of UUIDs"));
                    continue;
                }
                ids.add(id);
            } else if (value.isArray() && !value.isEmpty() && value.size() <= MAX_FILTER_IDS) {
                boolean valid = true;
                for (JsonNode item : value) {
                    UUID id = item.isTextual() ? uuid(item.asText()) : null;
                    if (id == null) {
                        valid = false;
                        break;
                    }
                    ids.add(id);
                }
                if (!valid) {
                    errors.add(new FieldError(field, field + " must contain only UUIDs"));
                    continue;
                }
            } else {
                errors.add(new FieldError(field, field + " must be a UUID or a non-empty list of at most " + MAX_FILTER_IDS + " UUIDs"));
                continue;
            }
            filters.put(dimension, ids);
        }
        return filters;
    }

    private static UUID uuid(String text) {
        return UUID_TEXT.matcher(text).matches() ? UUID.fromString(text) : null;
    }

    private static List<Dimension> groupBy(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            errors.add(new FieldError("group_by", "group_by must be a list of " + Dimension.validNames()));
            return null;
        }
        Set<Dimension> dimensions = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String field = "group_by[" + i + "]";
            Dimension dimension = item.isTextual() ? Dimension.byApiName(item.asText()).orElse(null) : null;
            if (dimension == null) {
                errors.add(new FieldError(field, "unknown dimension; valid: " + Dimension.validNames()));
            } else if (!dimensions.add(dimension)) {
                errors.add(new FieldError(field, "group_by lists " + dimension.apiName() + " twice"));
            }
        }
        return List.copyOf(dimensions);
    }

    private static ZoneId zone(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || !ZONES.contains(node.asText())) {
            errors.add(new FieldError("timezone", "timezone must be an IANA time zone name such as Europe/Berlin"));
            return null;
        }
        return ZoneId.of(node.asText());
    }

    private static Set<String> zones() {
        Set<String> zones = new java.util.HashSet<>();
        for (String id : ZoneId.getAvailableZoneIds()) {
            if (!id.startsWith("SystemV/")) {
                zones.add(id);
            }
        }
        return Set.copyOf(zones);
    }
}
