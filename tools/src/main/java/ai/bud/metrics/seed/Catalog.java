package ai.bud.metrics.seed;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Who the generated traffic belongs to: projects own endpoints, each endpoint serves exactly one model,
 * and a model may be served by several endpoints (of one or several projects). Drawn from the seed.
 */
record Catalog(List<Project> projects, List<Model> models, List<Endpoint> endpoints) {

    record Project(UUID id, String name, double weight) {
    }

    /**
     * A named model of a provider with its price (USD per million tokens) and speed: time to the first
     * token and output tokens per second.
     */
    record Model(UUID id, String name, String provider, double inputPricePerMillion, double outputPricePerMillion,
            int baseTtftMs, int tokensPerSecond) {
    }

    record Endpoint(UUID id, String name, Project project, Model model, double weight) {
    }

    /** Known model families; more models than listed get a version suffix. */
    private static final Object[][] MODELS = {
            {"gpt-4o", "openai", 2.50, 10.00, 350, 90},
            {"gpt-4o-mini", "openai", 0.15, 0.60, 220, 140},
            {"claude-3-5-sonnet", "anthropic", 3.00, 15.00, 450, 80},
            {"claude-3-5-haiku", "anthropic", 0.80, 4.00, 250, 130},
            {"llama-3.1-70b-instruct", "vllm", 0.60, 0.80, 300, 60},
            {"llama-3.1-8b-instruct", "vllm", 0.05, 0.08, 90, 220},
            {"mistral-large", "mistral", 2.00, 6.00, 400, 70},
            {"gemini-1.5-pro", "google", 1.25, 5.00, 500, 85},
            {"qwen2.5-72b-instruct", "vllm", 0.40, 0.90, 320, 55},
            {"deepseek-v3", "deepseek", 0.27, 1.10, 600, 50},
    };

    static Catalog generate(SplittableRandom random, int projectCount, int modelCount) {
        List<Model> models = new ArrayList<>(modelCount);
        for (int i = 0; i < modelCount; i++) {
            Object[] m = MODELS[i % MODELS.length];
            String name = i < MODELS.length ? (String) m[0] : m[0] + "-v" + (i / MODELS.length + 1);
            models.add(new Model(Uuids.v4(random), name, (String) m[1], (double) m[2], (double) m[3], (int) m[4], (int) m[5]));
        }
        List<Project> projects = new ArrayList<>(projectCount);
        for (int i = 0; i < projectCount; i++) {
            // a few busy projects and a long tail, as in real tenants
            projects.add(new Project(Uuids.v4(random), String.format("project-%02d", i + 1), 1.0 / (i + 1)));
        }
        // every model gets at least one endpoint; every project at least two; the rest pick models at random
        int endpointCount = Math.max(projectCount * 2, modelCount + projectCount);
        List<Endpoint> endpoints = new ArrayList<>(endpointCount);
        for (int i = 0; i < endpointCount; i++) {
            Project project = projects.get(i % projectCount);
            Model model = i < modelCount ? models.get(i) : models.get(random.nextInt(modelCount));
            double weight = 0.2 + random.nextDouble();
            endpoints.add(new Endpoint(Uuids.v4(random), "endpoint-" + (i + 1) + "-" + model.name(), project, model, weight));
        }
        return new Catalog(List.copyOf(projects), List.copyOf(models), List.copyOf(endpoints));
    }
}
