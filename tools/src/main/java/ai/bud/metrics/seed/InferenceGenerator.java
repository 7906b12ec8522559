package ai.bud.metrics.seed;

import ai.bud.metrics.seed.Catalog.Endpoint;
import ai.bud.metrics.seed.Catalog.Model;
import ai.bud.metrics.seed.GeneratedInference.ModelCall;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Realistic inference traffic over a time range, reproducible from a seed: the same seed and catalog give the same
 * sequence of inferences (ids and values) whatever the range; the same range too gives the same times.
 */
final class InferenceGenerator {

    /** Relative traffic per UTC hour of the day: quiet nights, busy working hours. */
    static final double[] HOURLY = {
            0.25, 0.2, 0.18, 0.18, 0.2, 0.3, 0.45, 0.65, 0.85, 1.0, 1.0, 0.95,
            0.9, 0.95, 1.0, 1.0, 0.95, 0.85, 0.7, 0.6, 0.5, 0.45, 0.38, 0.3};

    record Failure(int status, String code, String type, String message, boolean reachesModel, double weight) {
    }

    // The shares below are what the engine-side loader (EngineGeneration) draws too.
    static final double SUCCESS_SHARE = 0.95;
    static final double IP_SHARE = 0.7;
    static final int IPS_PER_PROJECT = 12;
    static final double KEY_SHARE = 0.8;
    static final double CACHED_SHARE = 0.15;
    static final double SYSTEM_SHARE = 0.6;
    static final double PII_SHARE = 0.03;

    static final List<Failure> FAILURES = List.of(
            new Failure(429, "rate_limit_exceeded", "RateLimitError", "Rate limit reached for requests", false, 0.35),
            new Failure(500, "internal_error", "InternalServerError", "The model server returned an error", true, 0.2),
            new Failure(503, "model_unavailable", "ServiceUnavailableError", "No replica of the model is available", true, 0.15),
            new Failure(504, "upstream_timeout", "TimeoutError", "The model did not answer in time", true, 0.1),
            new Failure(400, "context_length_exceeded", "BadRequestError", "The prompt exceeds the model's context length", true, 0.12),
            new Failure(401, "invalid_api_key", "AuthenticationError", "Invalid or revoked API key", false, 0.08));

    static final String[] SYSTEM_PROMPTS = {
            "You are a helpful assistant.", "You are a support agent for an online shop. Answer briefly.",
            "You translate user text into English.", "You write SQL for ClickHouse."};
    static final String[] PROMPTS = {
            "Summarize this ticket for the on-call engineer", "Where is my order?", "Translate: Guten Morgen",
            "Write a query counting requests per day", "Explain the difference between p95 and p99 latency",
            "Draft a polite reply to this complaint", "Classify the sentiment of this review"};
    static final String[] SENTIMENTS = {"positive", "neutral", "negative"};
    static final String[] LANGUAGES = {"en", "en", "en", "de", "fr", "es", "hi"};
    static final String[] TOPICS = {"billing", "shipping", "account", "technical", "sales", "other"};

    private final Catalog catalog;
    private final SplittableRandom random;
    /** Arrival times draw from their own stream, so the range never changes the ids and values drawn from {@code random}. */
    private final SplittableRandom timeRandom;
    private final long fromMillis;
    private final long spanMillis;
    private final double[] endpointCumulative;
    private final String[][] clientIps;
    private final int[] endpointProject;

    InferenceGenerator(Catalog catalog, long seed, long fromMillis, long toMillis) {
        if (toMillis <= fromMillis) {
            throw new IllegalArgumentException("the time range is empty");
        }
        this.catalog = catalog;
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        this.timeRandom = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL);
        this.fromMillis = fromMillis;
        this.spanMillis = toMillis - fromMillis;
        List<Endpoint> endpoints = catalog.endpoints();
        endpointCumulative = new double[endpoints.size()];
        endpointProject = new int[endpoints.size()];
        double total = 0;
        for (int i = 0; i < endpoints.size(); i++) {
            total += endpoints.get(i).project().weight() * endpoints.get(i).weight();
            endpointCumulative[i] = total;
            endpointProject[i] = catalog.projects().indexOf(endpoints.get(i).project());
        }
        clientIps = clientIps(seed, catalog.projects().size());
    }

    /** Each project's clients come from a small set of addresses, a few of them IPv6: [project][client]. */
    static String[][] clientIps(long seed, int projectCount) {
        SplittableRandom ipRandom = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        String[][] ips = new String[projectCount][];
        for (int p = 0; p < ips.length; p++) {
            ips[p] = new String[IPS_PER_PROJECT];
            for (int c = 0; c < ips[p].length; c++) {
                ips[p][c] = c % 6 == 5
                        ? String.format("2001:db8:%x:%x::%x", p + 1, ipRandom.nextInt(0x10000), ipRandom.nextInt(1, 0x10000))
                        : (10 + p % 200) + "." + ipRandom.nextInt(256) + "." + ipRandom.nextInt(256) + "." + ipRandom.nextInt(1, 255);
            }
        }
        return ips;
    }

    GeneratedInference next() {
        int endpointIndex = pickEndpoint();
        Endpoint endpoint = catalog.endpoints().get(endpointIndex);
        Model model = endpoint.model();
        int projectIndex = endpointProject[endpointIndex];
        long arrival = pickArrival();
        long forward = arrival + 1 + random.nextInt(100);
        var inferenceId = Uuids.v4(random);
        boolean success = random.nextDouble() < SUCCESS_SHARE;
        String ip = random.nextDouble() < IP_SHARE ? clientIps[projectIndex][random.nextInt(clientIps[projectIndex].length)] : null;
        boolean withKey = random.nextDouble() < KEY_SHARE;
        String apiKeyId = withKey ? apiKeyId(endpoint.project().name(), 1 + random.nextInt(API_KEYS_PER_PROJECT)) : null;
        String userId = withKey ? userId(1 + random.nextInt(USERS)) : null;
        String apiKeyProject = withKey ? endpoint.project().id().toString() : null;

        Failure failure = success ? null : pickFailure();
        ModelCall call = failure != null && !failure.reachesModel() ? null : modelCall(model, arrival, failure);
        Double cost = null;
        Map<String, Object> analysis = null;
        if (success) {
            int in = call.inputTokens() == null ? 0 : call.inputTokens();
            int out = call.outputTokens() == null ? 0 : call.outputTokens();
            double usd = call.cached() ? 0 : (in * model.inputPricePerMillion() + out * model.outputPricePerMillion()) / 1_000_000;
            cost = Math.round(usd * 1e8) / 1e8;
            if (random.nextBoolean()) {
                analysis = analysis();
            }
        }
        return new GeneratedInference(inferenceId, ip, endpoint.project().id(), endpoint.id(), model.id(), cost, analysis, success,
                arrival, forward, apiKeyId, userId, apiKeyProject,
                failure == null ? null : failure.code(), failure == null ? null : failure.message(),
                failure == null ? null : failure.type(), failure == null ? 200 : failure.status(), call);
    }

    private ModelCall modelCall(Model model, long arrival, Failure failure) {
        boolean ok = failure == null;
        boolean cached = ok && random.nextDouble() < CACHED_SHARE;
        int maxTokens = random.nextDouble() < 0.5 ? 512 : 2048;
        Integer input = random.nextDouble() < 0.01 ? null : (int) Math.min(30_000, Math.round(Math.exp(4 + random.nextDouble() * 4)));
        Integer output = null;
        String finish = null;
        Integer responseTime;
        Integer ttft;
        if (ok) {
            int wanted = (int) Math.round(Math.exp(2 + random.nextDouble() * 5.5));
            output = Math.min(wanted, maxTokens);
            double toolCall = random.nextDouble();
            finish = wanted > maxTokens ? "length" : toolCall < 0.08 ? "tool_call" : toolCall < 0.09 ? "content_filter" : "stop";
            if (cached) {
                responseTime = 3 + random.nextInt(40);
                ttft = 1 + random.nextInt(responseTime);
            } else {
                ttft = (int) Math.round(model.baseTtftMs() * (0.5 + random.nextDouble() * 1.5));
                responseTime = ttft + (int) Math.round(output * 1000.0 / (model.tokensPerSecond() * (0.7 + random.nextDouble() * 0.6)));
            }
            if (random.nextDouble() < 0.02) {
                output = null; // usage not reported
            }
            if (random.nextDouble() < 0.1) {
                ttft = null; // not streamed
            }
        } else {
            responseTime = failure.status() == 504 ? 30_000 + random.nextInt(30_000) : 20 + random.nextInt(2_000);
            ttft = null;
            finish = random.nextDouble() < 0.5 ? "unknown" : null;
        }
        String prompt = PROMPTS[random.nextInt(PROMPTS.length)];
        String system = random.nextDouble() < SYSTEM_SHARE ? SYSTEM_PROMPTS[random.nextInt(SYSTEM_PROMPTS.length)] : null;
        String messages = messages(prompt);
        String text = ok ? answer(prompt) : "";
        String rawRequest = requestHead(model.name(), maxTokens) + messages + "}";
        String rawResponse = ok
                ? responseModelPart(model.name()) + responseFinishPart(finish) + responseAnswerPart(text) + input
                        + RESPONSE_COMPLETION_TOKENS + output + RESPONSE_END
                : errorResponse(failure);
        return new ModelCall(Uuids.v7(arrival, random), rawRequest, rawResponse, model.name(), model.provider(), input, output,
                random.nextDouble() < 0.02 ? null : responseTime, ttft, system, messages, text, cached, finish);
    }

    // The texts of a ModelInference row, in parts: the engine-side loader puts them together from the same parts.

    static final int API_KEYS_PER_PROJECT = 3;
    static final int USERS = 50;
    static final String RESPONSE_COMPLETION_TOKENS = ",\"completion_tokens\":";
    static final String RESPONSE_END = "}}";

    static String apiKeyId(String projectName, int key) {
        return "key-" + projectName + "-" + key;
    }

    static String userId(int user) {
        return "user-" + user;
    }

    static String messages(String prompt) {
        return "[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]";
    }

    static String answer(String prompt) {
        return "Here is the answer to: " + prompt.toLowerCase(java.util.Locale.ROOT) + ".";
    }

    /** The raw request up to its messages (then the messages and a closing brace). */
    static String requestHead(String model, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + ",\"messages\":";
    }

    static String responseModelPart(String model) {
        return "{\"object\":\"chat.completion\",\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"finish_reason\":\"";
    }

    static String responseFinishPart(String finish) {
        return finish + "\",\"message\":{\"role\":\"assistant\",\"content\":\"";
    }

    /** The answer's text, then the usage up to the prompt tokens (then those, RESPONSE_COMPLETION_TOKENS, those, RESPONSE_END). */
    static String responseAnswerPart(String text) {
        return text + "\"}}],\"usage\":{\"prompt_tokens\":";
    }

    static String errorResponse(Failure failure) {
        return "{\"error\":{\"code\":\"" + failure.code() + "\",\"message\":\"" + failure.message().replace("'", "") + "\"}}";
    }

    private Map<String, Object> analysis() {
        Map<String, Object> analysis = new LinkedHashMap<>();
        analysis.put("sentiment", SENTIMENTS[random.nextInt(SENTIMENTS.length)]);
        analysis.put("language", LANGUAGES[random.nextInt(LANGUAGES.length)]);
        analysis.put("toxicity_score", Math.round(random.nextDouble() * random.nextDouble() * 1000) / 1000.0);
        analysis.put("topics", List.of(TOPICS[random.nextInt(TOPICS.length)]));
        analysis.put("pii_detected", random.nextDouble() < PII_SHARE);
        return analysis;
    }

    private int pickEndpoint() {
        double target = random.nextDouble() * endpointCumulative[endpointCumulative.length - 1];
        int low = 0;
        int high = endpointCumulative.length - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (endpointCumulative[mid] < target) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private long pickArrival() {
        while (true) {
            long t = fromMillis + (long) (timeRandom.nextDouble() * spanMillis);
            int hour = (int) Math.floorMod(t / 3_600_000L, 24L);
            if (timeRandom.nextDouble() < HOURLY[hour]) {
                return t;
            }
        }
    }

    private Failure pickFailure() {
        double target = random.nextDouble();
        for (Failure failure : FAILURES) {
            target -= failure.weight();
            if (target <= 0) {
                return failure;
            }
        }
        return FAILURES.get(0);
    }
}
