package ai.bud.metrics.seed;

import ai.bud.metrics.seed.Catalog.Endpoint;
import ai.bud.metrics.seed.Catalog.Model;
import ai.bud.metrics.seed.Catalog.Project;
import ai.bud.metrics.seed.InferenceGenerator.Failure;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The engine-side seeder's SQL: {@code INSERT … SELECT … FROM numbers(start, count)} statements that generate, inside
 * ClickHouse, inferences with the distribution of {@link InferenceGenerator} over the catalog of the same seed (the same
 * project, endpoint and model ids and client addresses). Row {@code n} of a run is a pure function of the seed, the
 * number of records, the range and {@code n}, so the two tables get the same inference ids from two statements over the
 * same rows, and chunks of any size (in any order) give the same data.
 *
 * <p>Every random draw is {@code intHash64} (a 64-bit finaliser) of the row's hash mixed with a key of its own, so the
 * draws of a row are independent of each other, as the Java generator's successive draws are. Arrival times are drawn
 * from the same day curve, stratified: stratum {@code k} of {@code K} (about a million rows each) holds the rows
 * {@code [kN/K, (k+1)N/K)} and draws its times independently within the {@code k}-th {@code K}-quantile of the range's
 * traffic. The set of times is distributed as the generator's; a chunk of consecutive rows lands in a few days (one or
 * two monthly partitions) instead of all of them, which keeps the parts per insert few.
 */
final class EngineGeneration {

    /** Rows per time stratum (about). */
    static final long STRATUM_ROWS = 1_000_000;

    /** The draws of a row; each has its own hash key. */
    private enum Draw {
        ENDPOINT_SLOT, ENDPOINT_KEEP, TIME, FORWARD, ID_HIGH, ID_LOW, SUCCESS, FAILURE, IP, IP_PICK, KEY, KEY_PICK, USER,
        CACHED, MAX_TOKENS, INPUT_NULL, INPUT, WANTED, TOOL_CALL, UNKNOWN_FINISH, CACHED_TIME, CACHED_TTFT, TTFT, SPEED,
        FAILED_TIME, OUTPUT_NULL, TTFT_NULL, RESPONSE_NULL, PROMPT, SYSTEM, SYSTEM_PICK, V7_HIGH, V7_LOW, ANALYSIS, SENTIMENT,
        LANGUAGE, TOXICITY_A, TOXICITY_B, TOPIC, PII;

        String column() {
            return "r_" + name().toLowerCase(Locale.ROOT);
        }
    }

    static final String DETAILS_SELECT = "inference_id, request_ip, project_id, endpoint_id, model_id, cost, response_analysis, "
            + "is_success, request_arrival_time, request_forward_time, api_key_id, user_id, api_key_project_id, error_code, "
            + "error_message, error_type, status_code";
    static final String MODEL_INFERENCE_SELECT = "id, inference_id, raw_request, raw_response, model_name, model_provider_name, "
            + "input_tokens, output_tokens, response_time_ms, ttft_ms, system_prompt, input_messages, output, cached, finish_reason";

    /** A success's finish reasons, by the index the SQL draws (as InferenceGenerator decides them). */
    private static final List<String> FINISHES = List.of("stop", "length", "tool_call", "content_filter");
    private static final long DAY_MS = 86_400_000L;
    private static final long HOUR_MS = 3_600_000L;
    private static final Pattern DRAW = Pattern.compile("([ur])\\(([A-Z0-9_]+)\\)");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");
    private static final Pattern LITERAL = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern IDENTIFIER = Pattern.compile("\\b[a-z_][a-z0-9_]*\\b");

    /**
     * The columns of a row, as data: {@code name := expression}, continued on indented lines. An expression may use
     * other columns, {@code n} (the row number), {@code u(X)} (draw X as a uniform Float64 in [0, 1)), {@code r(X)}
     * (draw X as a UInt64) and {@code ${NAME}} (the run's constants: catalog arrays, shares, the range). A statement gets
     * only the columns it needs, nested by depth: each level selects the one below ({@code *}) and adds the columns that
     * use it, so an expression refers to columns rather than to copies of other expressions (one flat SELECT took
     * seconds to analyse).
     */
    private static final String COLUMNS = """
            -- the endpoint, by its share of the traffic (Walker's alias method: exact, two draws)
            g_slot := toUInt32(floor(u(ENDPOINT_SLOT) * ${ENDPOINT_COUNT}))
            g_endpoint := if(u(ENDPOINT_KEEP) < ${ENDPOINT_PROBABILITY}[g_slot + 1], g_slot, ${ENDPOINT_ALIAS}[g_slot + 1])
            g_project := ${ENDPOINT_PROJECT}[g_endpoint + 1]
            g_model := ${ENDPOINT_MODEL}[g_endpoint + 1]
            project_id := ${PROJECT_ID}[g_project + 1]
            endpoint_id := ${ENDPOINT_ID}[g_endpoint + 1]
            model_id := ${MODEL_ID}[g_model + 1]
            model_name := ${MODEL_NAME}[g_model + 1]
            model_provider_name := ${MODEL_PROVIDER}[g_model + 1]
            -- the arrival: the stratum's slice of the traffic mass (day curve), inverted to a time
            g_mass := ${MASS_FROM} + (intDiv(n * ${STRATA}, ${RECORDS}) + u(TIME)) * ${MASS_SPAN} / ${STRATA}
            g_day := toUInt64(floor(g_mass / ${DAY_MASS}))
            g_rest := g_mass - g_day * ${DAY_MASS}
            g_hour := multiIf(${HOUR_OF_REST})
            g_arrival := least(greatest(toInt64(${DAY_ZERO} + g_day * 86400000 + g_hour * 3600000
                    + toUInt64(floor(greatest(0., (g_rest - ${HOUR_START}[g_hour + 1]) / ${HOURLY}[g_hour + 1]) * 3600000))),
                    ${FROM_MS}), ${LAST_MS})
            request_arrival_time := fromUnixTimestamp64Milli(g_arrival)
            request_forward_time := fromUnixTimestamp64Milli(g_arrival + 1 + toInt64(r(FORWARD) % 100))
            inference_id := reinterpretAsUUID(bitOr(bitShiftLeft(toUInt128(bitOr(bitAnd(r(ID_LOW), 0x3fffffffffffffff),
                    0x8000000000000000)), 64), toUInt128(bitOr(bitAnd(r(ID_HIGH), 0xffffffffffff0fff), 0x4000))))
            id := reinterpretAsUUID(bitOr(bitShiftLeft(toUInt128(bitOr(bitAnd(r(V7_LOW), 0x3fffffffffffffff), 0x8000000000000000)), 64),
                    toUInt128(bitOr(bitOr(bitShiftLeft(toUInt64(g_arrival), 16), 0x7000), bitAnd(r(V7_HIGH), 0x0fff)))))
            -- outcome: failures by their weights; 429 and 401 never reach a model (no ModelInference row)
            is_success := u(SUCCESS) < ${SUCCESS_SHARE}
            g_failure := multiIf(${FAILURE_PICK})
            reaches_model := is_success OR ${FAILURE_REACHES_MODEL}[g_failure + 1]
            error_code := if(is_success, NULL, ${FAILURE_CODE}[g_failure + 1])
            error_message := if(is_success, NULL, ${FAILURE_MESSAGE}[g_failure + 1])
            error_type := if(is_success, NULL, ${FAILURE_TYPE}[g_failure + 1])
            status_code := toUInt16(if(is_success, 200, ${FAILURE_STATUS}[g_failure + 1]))
            request_ip := if(u(IP) < ${IP_SHARE}, ${CLIENT_IPS}[g_project * ${IPS_PER_PROJECT} + r(IP_PICK) % ${IPS_PER_PROJECT} + 1], NULL)
            g_with_key := u(KEY) < ${KEY_SHARE}
            api_key_id := if(g_with_key, ${API_KEY_ID}[g_project * ${API_KEYS_PER_PROJECT} + r(KEY_PICK) % ${API_KEYS_PER_PROJECT} + 1], NULL)
            user_id := if(g_with_key, ${USER_ID}[r(USER) % ${USERS} + 1], NULL)
            api_key_project_id := if(g_with_key, ${PROJECT_TEXT}[g_project + 1], NULL)
            -- the model call
            cached := is_success AND u(CACHED) < ${CACHED_SHARE}
            g_max_tokens := if(u(MAX_TOKENS) < 0.5, 512, 2048)
            input_tokens := if(u(INPUT_NULL) < 0.01, NULL, toUInt32(least(30000, floor(exp(4 + u(INPUT) * 4) + 0.5))))
            g_wanted := toUInt32(floor(exp(2 + u(WANTED) * 5.5) + 0.5))
            g_output := toUInt32(least(g_wanted, g_max_tokens))
            output_tokens := if(is_success AND u(OUTPUT_NULL) >= 0.02, g_output, NULL)
            g_finish := multiIf(g_wanted > g_max_tokens, 1, u(TOOL_CALL) < 0.08, 2, u(TOOL_CALL) < 0.09, 3, 0)
            finish_reason := if(is_success, ${FINISHES}[g_finish + 1], if(u(UNKNOWN_FINISH) < 0.5, 'unknown', NULL))
            g_cached_time := 3 + r(CACHED_TIME) % 40
            g_live_ttft := toUInt64(floor(${MODEL_TTFT}[g_model + 1] * (0.5 + u(TTFT) * 1.5) + 0.5))
            response_time_ms := if(u(RESPONSE_NULL) < 0.02, NULL, toUInt32(multiIf(NOT is_success, if(status_code = 504,
                    30000 + r(FAILED_TIME) % 30000, 20 + r(FAILED_TIME) % 2000), cached, g_cached_time, g_live_ttft
                    + toUInt64(floor(g_output * 1000 / (${MODEL_TPS}[g_model + 1] * (0.7 + u(SPEED) * 0.6)) + 0.5)))))
            ttft_ms := if(is_success AND u(TTFT_NULL) >= 0.1, toUInt32(if(cached, 1 + r(CACHED_TTFT) % g_cached_time, g_live_ttft)), NULL)
            cost := if(is_success, if(cached, 0., round((ifNull(input_tokens, 0) * ${MODEL_INPUT_PRICE}[g_model + 1]
                    + ifNull(output_tokens, 0) * ${MODEL_OUTPUT_PRICE}[g_model + 1]) / 1000000, 8)), NULL)
            -- the texts from InferenceGenerator's parts, looked up rather than formatted
            g_prompt := r(PROMPT) % ${PROMPT_COUNT} + 1
            input_messages := ${MESSAGES}[g_prompt]
            output := if(is_success, ${ANSWERS}[g_prompt], '')
            system_prompt := if(u(SYSTEM) < ${SYSTEM_SHARE}, ${SYSTEM_PROMPTS}[r(SYSTEM_PICK) % ${SYSTEM_PROMPT_COUNT} + 1], NULL)
            raw_request := concat(${REQUEST_HEAD}[g_model * 2 + (g_max_tokens = 2048) + 1], input_messages, '}')
            raw_response := if(is_success, concat(${RESPONSE_MODEL_PART}[g_model + 1], ${RESPONSE_FINISH_PART}[g_finish + 1],
                    ${RESPONSE_ANSWER_PART}[g_prompt], ifNull(toString(input_tokens), 'null'), ${RESPONSE_COMPLETION_TOKENS},
                    ifNull(toString(output_tokens), 'null'), ${RESPONSE_END}), ${FAILURE_RESPONSE}[g_failure + 1])
            -- response analysis on half of the successes, as JSON text (parsing it costs less than converting a tuple)
            g_toxicity := toUInt32(floor(u(TOXICITY_A) * u(TOXICITY_B) * 1000 + 0.5))
            response_analysis := if(is_success AND u(ANALYSIS) < 0.5, concat('{"sentiment":"',
                    ${SENTIMENTS}[r(SENTIMENT) % ${SENTIMENT_COUNT} + 1], '","language":"', ${LANGUAGES}[r(LANGUAGE) % ${LANGUAGE_COUNT} + 1],
                    '","toxicity_score":', multiIf(g_toxicity = 0, '0.0', g_toxicity = 1000, '1.0',
                    concat('0.', trimRight(leftPad(toString(g_toxicity), 3, '0'), '0'))), ',"topics":["',
                    ${TOPICS}[r(TOPIC) % ${TOPIC_COUNT} + 1], '"],"pii_detected":', if(u(PII) < ${PII_SHARE}, 'true', 'false'), '}'), NULL)
            """;

    /** A column with its expression (constants filled in, draws as columns) and the columns it uses. */
    private record Column(String name, String expression, List<String> uses) {
    }

    private final String database;
    private final long records;
    /** The columns in definition order, draws ({@code r_x}) first. */
    private final Map<String, Column> columns = new LinkedHashMap<>();
    private final String rowKey;

    EngineGeneration(Catalog catalog, long seed, long records, long fromMillis, long toMillis, String database) {
        if (toMillis <= fromMillis) {
            throw new IllegalArgumentException("the time range is empty");
        }
        this.database = database;
        this.records = records;
        Map<String, String> constants = new HashMap<>();
        catalogConstants(catalog, seed, constants);
        timeConstants(records, fromMillis, toMillis, constants);
        outcomeConstants(constants);
        long[] keys = keys(seed);
        rowKey = Long.toUnsignedString(keys[Draw.values().length]);
        for (Draw draw : Draw.values()) {
            String name = draw.column();
            columns.put(name, new Column(name, "intHash64(bitXor(h, " + Long.toUnsignedString(keys[draw.ordinal()]) + "))", List.of("h")));
        }
        for (String[] definition : definitions()) {
            String name = definition[0];
            String filled = PLACEHOLDER.matcher(definition[1]).replaceAll(m -> {
                String value = constants.get(m.group(1));
                if (value == null) {
                    throw new IllegalStateException("no constant " + m.group(1) + " for column " + name);
                }
                return Matcher.quoteReplacement(value);
            });
            String expression = DRAW.matcher(filled).replaceAll(m -> {
                String column = Draw.valueOf(m.group(2)).column();
                return m.group(1).equals("u") ? "(bitShiftRight(" + column + ", 11) / 9007199254740992.)" : column;
            });
            // what it uses: the names in the expression outside string literals
            List<String> uses = new ArrayList<>();
            Matcher word = IDENTIFIER.matcher(LITERAL.matcher(expression).replaceAll("''"));
            while (word.find()) {
                if ((columns.containsKey(word.group()) || word.group().equals("n")) && !uses.contains(word.group())) {
                    uses.add(word.group());
                }
            }
            columns.put(name, new Column(name, expression, List.copyOf(uses)));
        }
    }

    /** COLUMNS as [name, expression] pairs. */
    private static List<String[]> definitions() {
        List<String[]> definitions = new ArrayList<>();
        for (String line : COLUMNS.split("\n")) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("--")) {
                continue;
            }
            int assign = text.indexOf(" := ");
            if (assign > 0 && !Character.isWhitespace(line.charAt(0))) {
                definitions.add(new String[] {text.substring(0, assign), text.substring(assign + 4)});
            } else {
                String[] last = definitions.get(definitions.size() - 1);
                last[1] = last[1] + " " + text;
            }
        }
        return definitions;
    }

    long records() {
        return records;
    }

    /** Time strata of a run of {@code records} rows. */
    static long strata(long records) {
        return Math.max(1, (records + STRATUM_ROWS - 1) / STRATUM_ROWS);
    }

    /** Inserts rows {@code [start, start + count)} into ModelInferenceDetails. */
    String detailsInsert(long start, long count) {
        return detailsInsert("ModelInferenceDetails", start, count);
    }

    /** Inserts rows {@code [start, start + count)} into {@code table} (ModelInferenceDetails or a table of its structure). */
    String detailsInsert(String table, long start, long count) {
        return "INSERT INTO " + database + "." + table + " (" + RowEncoder.DETAILS_COLUMNS + ")\n" + select(DETAILS_SELECT, start, count);
    }

    /** Inserts the ModelInference rows of rows {@code [start, start + count)} (those whose call reached a model). */
    String modelInferenceInsert(long start, long count) {
        return modelInferenceInsert("ModelInference", start, count);
    }

    /** The same into {@code table} (ModelInference or a table of its structure). */
    String modelInferenceInsert(String table, long start, long count) {
        return "INSERT INTO " + database + "." + table + " (" + RowEncoder.MODEL_INFERENCE_COLUMNS + ")\n"
                + select(MODEL_INFERENCE_SELECT, start, count) + "\nWHERE reaches_model";
    }

    /** How many of the run's rows have a ModelInference row (computed from the same draws, without writing anything). */
    String modelInferenceCount() {
        return "SELECT countIf(reaches_model)\n" + from(List.of("reaches_model"), 0, records);
    }

    /** The generated rows {@code [start, start + count)} with every column, as a query (for tests and checks). */
    String rows(long start, long count) {
        List<String> all = columns.keySet().stream().filter(c -> !c.startsWith("r_")).toList();
        return "SELECT n, " + String.join(", ", all) + "\n" + from(all, start, count);
    }

    /** {@code SELECT list FROM …} over rows [start, start + count); {@code list} names columns only. */
    private String select(String list, long start, long count) {
        List<String> wanted = new ArrayList<>(List.of(list.split(",\\s*")));
        wanted.add("reaches_model");
        return "SELECT " + list + "\n" + from(wanted, start, count);
    }

    /** {@code FROM (…)}: the nested levels that compute {@code wanted} (and what they use) over rows [start, start + count). */
    private String from(List<String> wanted, long start, long count) {
        if (start < 0 || count < 0 || start + count > records) {
            throw new IllegalArgumentException("rows [" + start + ", " + (start + count) + ") outside [0, " + records + ")");
        }
        Map<String, Integer> depth = new HashMap<>();
        depth.put("n", 0);
        depth.put("h", 0);
        for (String name : wanted) {
            depth(name, depth);
        }
        int levels = depth.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        StringBuilder sql = new StringBuilder("(SELECT number AS n, intHash64(number + ").append(rowKey).append(") AS h FROM numbers(")
                .append(start).append(", ").append(count).append("))");
        for (int level = 1; level <= levels; level++) {
            int at = level;
            List<Column> added = columns.values().stream().filter(c -> depth.getOrDefault(c.name(), -1) == at).toList();
            StringBuilder layer = new StringBuilder("(SELECT *");
            for (Column column : added) {
                layer.append(",\n    ").append(column.expression()).append(" AS ").append(column.name());
            }
            sql = layer.append("\nFROM ").append(sql).append(')');
        }
        return "FROM " + sql;
    }

    /** The level a column is computed at: one above the highest column it uses (n and h are level 0). */
    private int depth(String name, Map<String, Integer> depth) {
        Integer known = depth.get(name);
        if (known != null) {
            return known;
        }
        Column column = columns.get(name);
        if (column == null) {
            throw new IllegalArgumentException("no generated column " + name);
        }
        int level = 1;
        for (String used : column.uses()) {
            level = Math.max(level, depth(used, depth) + 1);
        }
        depth.put(name, level);
        return level;
    }

    // ------------------------------------------------------------------ constants of the run

    /** A key per draw, and one more for the row hash: SplitMix64 of the seed. */
    private static long[] keys(long seed) {
        long[] keys = new long[Draw.values().length + 1];
        long state = seed ^ 0x6A09E667F3BCC909L;
        for (int i = 0; i < keys.length; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            keys[i] = z ^ (z >>> 31);
        }
        return keys;
    }

    private static void catalogConstants(Catalog catalog, long seed, Map<String, String> c) {
        List<Project> projects = catalog.projects();
        List<Model> models = catalog.models();
        List<Endpoint> endpoints = catalog.endpoints();
        double[] weights = endpoints.stream().mapToDouble(e -> e.project().weight() * e.weight()).toArray();
        Alias alias = Alias.of(weights);
        c.put("ENDPOINT_COUNT", Integer.toString(endpoints.size()));
        c.put("ENDPOINT_PROBABILITY", array(Arrays.stream(alias.probability()).boxed().toList(), EngineGeneration::number));
        c.put("ENDPOINT_ALIAS", typed(array(Arrays.stream(alias.alias()).boxed().toList(), String::valueOf), "UInt32"));
        c.put("ENDPOINT_PROJECT", typed(array(endpoints, e -> String.valueOf(projects.indexOf(e.project()))), "UInt32"));
        c.put("ENDPOINT_MODEL", typed(array(endpoints, e -> String.valueOf(models.indexOf(e.model()))), "UInt32"));
        c.put("ENDPOINT_ID", typed(array(endpoints, e -> "'" + e.id() + "'"), "UUID"));
        c.put("PROJECT_ID", typed(array(projects, p -> "'" + p.id() + "'"), "UUID"));
        c.put("PROJECT_TEXT", array(projects, p -> literal(p.id().toString())));
        c.put("API_KEY_ID", array(projects.stream().flatMap(p -> IntStream.rangeClosed(1, InferenceGenerator.API_KEYS_PER_PROJECT)
                .mapToObj(k -> InferenceGenerator.apiKeyId(p.name(), k))).toList(), EngineGeneration::literal));
        c.put("API_KEYS_PER_PROJECT", Integer.toString(InferenceGenerator.API_KEYS_PER_PROJECT));
        c.put("USER_ID", array(IntStream.rangeClosed(1, InferenceGenerator.USERS).mapToObj(InferenceGenerator::userId).toList(),
                EngineGeneration::literal));
        c.put("USERS", Integer.toString(InferenceGenerator.USERS));
        c.put("REQUEST_HEAD", array(models.stream().flatMap(m -> IntStream.of(512, 2048)
                .mapToObj(max -> InferenceGenerator.requestHead(m.name(), max))).toList(), EngineGeneration::literal));
        c.put("RESPONSE_MODEL_PART", array(models, m -> literal(InferenceGenerator.responseModelPart(m.name()))));
        c.put("MODEL_ID", typed(array(models, m -> "'" + m.id() + "'"), "UUID"));
        c.put("MODEL_NAME", array(models, m -> literal(m.name())));
        c.put("MODEL_PROVIDER", array(models, m -> literal(m.provider())));
        c.put("MODEL_INPUT_PRICE", array(models, m -> number(m.inputPricePerMillion())));
        c.put("MODEL_OUTPUT_PRICE", array(models, m -> number(m.outputPricePerMillion())));
        c.put("MODEL_TTFT", array(models, m -> number(m.baseTtftMs())));
        c.put("MODEL_TPS", array(models, m -> number(m.tokensPerSecond())));
        String[][] ips = InferenceGenerator.clientIps(seed, projects.size());
        c.put("CLIENT_IPS", typed(array(Arrays.stream(ips).flatMap(Arrays::stream).toList(), EngineGeneration::literal), "IPv6"));
        c.put("IPS_PER_PROJECT", Integer.toString(InferenceGenerator.IPS_PER_PROJECT));
    }

    /**
     * The day curve as traffic mass: a UTC day has mass {@code DAY_MASS} (the sum of the hourly weights), hour h of a day
     * starts at {@code HOUR_START[h]}; mass is counted from the midnight before the range starts.
     */
    private static void timeConstants(long records, long fromMillis, long toMillis, Map<String, String> c) {
        double[] hourly = InferenceGenerator.HOURLY;
        double[] start = new double[hourly.length + 1];
        for (int h = 0; h < hourly.length; h++) {
            start[h + 1] = start[h] + hourly[h];
        }
        double dayMass = start[hourly.length];
        long dayZero = Math.floorDiv(fromMillis, DAY_MS) * DAY_MS;
        double massFrom = mass(fromMillis, dayZero, start, hourly);
        double massTo = mass(toMillis, dayZero, start, hourly);
        c.put("RECORDS", Long.toString(records));
        c.put("STRATA", Long.toString(strata(records)));
        c.put("DAY_MASS", number(dayMass));
        c.put("MASS_FROM", number(massFrom));
        c.put("MASS_SPAN", number(massTo - massFrom));
        c.put("DAY_ZERO", Long.toString(dayZero));
        c.put("FROM_MS", Long.toString(fromMillis));
        c.put("LAST_MS", Long.toString(toMillis - 1));
        c.put("HOURLY", array(Arrays.stream(hourly).boxed().toList(), EngineGeneration::number));
        c.put("HOUR_START", array(Arrays.stream(start).boxed().toList().subList(0, hourly.length), EngineGeneration::number));
        c.put("HOUR_OF_REST", IntStream.range(1, hourly.length)
                .mapToObj(h -> "g_rest < " + number(start[h]) + ", " + (h - 1)).collect(Collectors.joining(", ")) + ", " + (hourly.length - 1));
    }

    private static double mass(long millis, long dayZero, double[] start, double[] hourly) {
        long sinceZero = millis - dayZero;
        long day = sinceZero / DAY_MS;
        long inDay = sinceZero % DAY_MS;
        int hour = (int) (inDay / HOUR_MS);
        return day * start[hourly.length] + start[hour] + hourly[hour] * (inDay % HOUR_MS) / (double) HOUR_MS;
    }

    private static void outcomeConstants(Map<String, String> c) {
        List<Failure> failures = InferenceGenerator.FAILURES;
        StringBuilder pick = new StringBuilder();
        double cumulative = 0;
        for (int i = 0; i < failures.size() - 1; i++) {
            cumulative += failures.get(i).weight();
            pick.append("u(FAILURE) <= ").append(number(cumulative)).append(", ").append(i).append(", ");
        }
        c.put("FAILURE_PICK", pick.append(failures.size() - 1).toString());
        c.put("FAILURE_REACHES_MODEL", array(failures, f -> Boolean.toString(f.reachesModel())));
        c.put("FAILURE_CODE", array(failures, f -> literal(f.code())));
        c.put("FAILURE_MESSAGE", array(failures, f -> literal(f.message())));
        c.put("FAILURE_TYPE", array(failures, f -> literal(f.type())));
        c.put("FAILURE_STATUS", array(failures, f -> Integer.toString(f.status())));
        c.put("FAILURE_RESPONSE", array(failures, f -> literal(InferenceGenerator.errorResponse(f))));
        c.put("SUCCESS_SHARE", number(InferenceGenerator.SUCCESS_SHARE));
        c.put("IP_SHARE", number(InferenceGenerator.IP_SHARE));
        c.put("KEY_SHARE", number(InferenceGenerator.KEY_SHARE));
        c.put("CACHED_SHARE", number(InferenceGenerator.CACHED_SHARE));
        c.put("SYSTEM_SHARE", number(InferenceGenerator.SYSTEM_SHARE));
        c.put("PII_SHARE", number(InferenceGenerator.PII_SHARE));
        List<String> prompts = List.of(InferenceGenerator.PROMPTS);
        c.put("MESSAGES", array(prompts, p -> literal(InferenceGenerator.messages(p))));
        c.put("ANSWERS", array(prompts, p -> literal(InferenceGenerator.answer(p))));
        c.put("RESPONSE_ANSWER_PART", array(prompts, p -> literal(InferenceGenerator.responseAnswerPart(InferenceGenerator.answer(p)))));
        c.put("FINISHES", array(FINISHES, EngineGeneration::literal));
        c.put("RESPONSE_FINISH_PART", array(FINISHES, f -> literal(InferenceGenerator.responseFinishPart(f))));
        c.put("RESPONSE_COMPLETION_TOKENS", literal(InferenceGenerator.RESPONSE_COMPLETION_TOKENS));
        c.put("RESPONSE_END", literal(InferenceGenerator.RESPONSE_END));
        c.put("PROMPT_COUNT", Integer.toString(InferenceGenerator.PROMPTS.length));
        strings(c, "SYSTEM_PROMPTS", List.of(InferenceGenerator.SYSTEM_PROMPTS));
        c.put("SYSTEM_PROMPT_COUNT", Integer.toString(InferenceGenerator.SYSTEM_PROMPTS.length));
        strings(c, "SENTIMENTS", List.of(InferenceGenerator.SENTIMENTS));
        c.put("SENTIMENT_COUNT", Integer.toString(InferenceGenerator.SENTIMENTS.length));
        strings(c, "LANGUAGES", List.of(InferenceGenerator.LANGUAGES));
        c.put("LANGUAGE_COUNT", Integer.toString(InferenceGenerator.LANGUAGES.length));
        strings(c, "TOPICS", List.of(InferenceGenerator.TOPICS));
        c.put("TOPIC_COUNT", Integer.toString(InferenceGenerator.TOPICS.length));
    }

    private static void strings(Map<String, String> c, String name, List<String> values) {
        c.put(name, array(values, EngineGeneration::literal));
    }

    /** An array literal read as an array of {@code type} (one conversion, where one per element would slow the analysis). */
    private static String typed(String array, String type) {
        return "CAST(" + array + " AS Array(" + type + "))";
    }

    private static <T> String array(List<T> values, Function<T, String> element) {
        return values.stream().map(element).collect(Collectors.joining(", ", "[", "]"));
    }

    /** A ClickHouse string literal (the catalog's names and the generator's texts are this program's own). */
    static String literal(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static String number(double value) {
        return BigDecimal.valueOf(value).toPlainString();
    }

    /** Walker's alias table of weights: slot i keeps i with {@code probability[i]}, else gives {@code alias[i]}. */
    record Alias(double[] probability, int[] alias) {

        static Alias of(double[] weights) {
            int n = weights.length;
            double total = Arrays.stream(weights).sum();
            double[] scaled = Arrays.stream(weights).map(w -> w * n / total).toArray();
            double[] probability = new double[n];
            int[] alias = new int[n];
            Deque<Integer> small = new ArrayDeque<>();
            Deque<Integer> large = new ArrayDeque<>();
            for (int i = 0; i < n; i++) {
                (scaled[i] < 1 ? small : large).push(i);
            }
            while (!small.isEmpty() && !large.isEmpty()) {
                int s = small.pop();
                int l = large.pop();
                probability[s] = scaled[s];
                alias[s] = l;
                scaled[l] = scaled[l] + scaled[s] - 1;
                (scaled[l] < 1 ? small : large).push(l);
            }
            for (Deque<Integer> rest : List.of(small, large)) {
                while (!rest.isEmpty()) {
                    int i = rest.pop();
                    probability[i] = 1;
                    alias[i] = i;
                }
            }
            return new Alias(probability, alias);
        }
    }
}
