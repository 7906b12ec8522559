package ai.bud.metrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine or cluster here: every YAML file under deploy/ must parse, and the pieces must agree with each
 * other and with the code (ports, probe paths, variable names, routes, the Dapr subscription of SPEC section 4).
 */
class DeployFilesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path DEPLOY = ROOT.resolve("deploy");

    static Stream<Path> yamlFiles() {
        return Stream.of(EnvironmentVariables.files(DEPLOY, ".yaml", ".yml"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("yamlFiles")
    void everyYamlFileParses(Path file) {
        List<Object> documents = documents(file);
        assertThat(documents).isNotEmpty().doesNotContainNull();
        assertThat(documents).allSatisfy(document -> assertThat(document).isInstanceOf(Map.class));
    }

    @Test
    void theDeployFolderHasTheExpectedFiles() {
        assertThat(yamlFiles().map(p -> DEPLOY.relativize(p).toString()).collect(Collectors.toSet())).contains(
                "docker-compose-dev.yaml", "docker-compose-dapr.yaml", "dapr/pubsub.yaml", "dapr/subscription.yaml",
                "k8s/deployment.yaml", "k8s/service.yaml", "k8s/configmap.yaml", "k8s/routes-configmap.yaml", "k8s/kustomization.yaml");
    }

    @Test
    void devComposeRunsTheServiceWithClickHouseAndRedis() {
        Map<String, Object> services = map(single(DEPLOY.resolve("docker-compose-dev.yaml")), "services");
        assertThat(services).containsKeys("budmetrics", "clickhouse", "redis");
        Map<String, Object> app = map(services, "budmetrics");
        assertBuildsThisRepository(app);
        assertThat(map(app, "depends_on")).containsKeys("clickhouse", "redis");
        Map<String, Object> environment = map(app, "environment");
        assertThat(environment).containsEntry("CLICKHOUSE_HOST", "clickhouse").containsEntry("REDIS_HOST", "redis");
        assertKnownVariables(environment.keySet(), "docker-compose-dev.yaml");
        assertThat(list(app, "ports")).anySatisfy(port -> assertThat(port.toString()).endsWith(":8000"));
        assertManagementPortOnLoopbackOnly(app);
    }

    /** The management port (no API token) is published, but to the host's loopback only. */
    private static void assertManagementPortOnLoopbackOnly(Map<String, Object> app) {
        List<String> ports = list(app, "ports").stream().map(Object::toString).toList();
        assertThat(ports).contains("127.0.0.1:8001:8001");
        assertThat(ports).allSatisfy(port -> assertThat(port).startsWith("127.0.0.1:"));
    }

    @Test
    void daprComposeAddsASidecarWithThePubSubAndTheBulkSubscription() {
        Map<String, Object> services = map(single(DEPLOY.resolve("docker-compose-dapr.yaml")), "services");
        assertThat(services).containsKeys("budmetrics", "budmetrics-dapr", "clickhouse", "redis");
        assertBuildsThisRepository(map(services, "budmetrics"));
        assertKnownVariables(map(map(services, "budmetrics"), "environment").keySet(), "docker-compose-dapr.yaml");
        assertManagementPortOnLoopbackOnly(map(services, "budmetrics"));
        Map<String, Object> sidecar = map(services, "budmetrics-dapr");
        assertThat(sidecar.get("image").toString()).startsWith("daprio/daprd:");
        assertThat(sidecar.get("network_mode")).isEqualTo("service:budmetrics");
        List<String> command = list(sidecar, "command").stream().map(Object::toString).toList();
        assertThat(command).contains("--app-id=budmetrics", "--app-port=8000", "--resources-path=/components");
        assertThat(list(sidecar, "volumes")).anySatisfy(volume -> assertThat(volume.toString()).startsWith("./dapr:/components"));

        Map<String, Object> component = single(DEPLOY.resolve("dapr/pubsub.yaml"));
        assertThat(component).containsEntry("kind", "Component");
        assertThat(map(component, "spec")).containsEntry("type", "pubsub.redis");
        String pubsubName = map(component, "metadata").get("name").toString();

        Map<String, Object> subscription = single(DEPLOY.resolve("dapr/subscription.yaml"));
        assertThat(subscription).containsEntry("kind", "Subscription").containsEntry("apiVersion", "dapr.io/v2alpha1");
        Map<String, Object> spec = map(subscription, "spec");
        assertThat(spec).containsEntry("pubsubname", pubsubName).containsEntry("topic", "budMetricsMessages");
        assertThat(map(spec, "routes")).containsEntry("default", "/observability/add");
        assertThat(map(spec, "bulkSubscribe")).containsEntry("enabled", true);
    }

    /**
     * One reader per consumer group (SPEC section 4, issue 11): when the sidecar's subscription and the service's own
     * stream reader share the topic's group, each message goes to whichever asks first. The compose file picks one,
     * and docs/DEPLOYMENT.md says which.
     */
    @Test
    void daprComposeHasOneReaderOfTheTopicsConsumerGroup() {
        Map<String, Object> services = map(single(DEPLOY.resolve("docker-compose-dapr.yaml")), "services");
        Map<String, Object> environment = map(map(services, "budmetrics"), "environment");
        String application = EnvironmentVariables.read(ROOT.resolve("src/main/resources/application.yaml"));
        boolean serviceReads = Boolean.parseBoolean(setting(environment, application, "REDIS_INGEST_ENABLED"));
        String stream = setting(environment, application, "REDIS_STREAM");
        String group = setting(environment, application, "REDIS_CONSUMER_GROUP");

        String appId = list(map(services, "budmetrics-dapr"), "command").stream().map(Object::toString)
                .filter(arg -> arg.startsWith("--app-id=")).map(arg -> arg.substring("--app-id=".length())).findFirst().orElseThrow();
        Map<String, Object> component = single(DEPLOY.resolve("dapr/pubsub.yaml"));
        String pubsub = map(component, "metadata").get("name").toString();
        // Dapr's Redis pub/sub reads in the group named by consumerID, the app id when it is not set
        String daprGroup = list(map(component, "spec"), "metadata").stream().map(DeployFilesTest::asMap)
                .filter(entry -> "consumerID".equals(entry.get("name"))).map(entry -> entry.get("value").toString()).findFirst().orElse(appId);
        boolean sidecarReads = Stream.of(EnvironmentVariables.files(DEPLOY.resolve("dapr"), ".yaml")).flatMap(file -> documents(file).stream())
                .map(DeployFilesTest::asMap).filter(doc -> "Subscription".equals(doc.get("kind"))).anyMatch(doc -> {
                    Map<String, Object> spec = map(doc, "spec");
                    Object scopes = doc.get("scopes");
                    return stream.equals(spec.get("topic")) && pubsub.equals(spec.get("pubsubname"))
                            && (scopes == null || ((List<?>) scopes).contains(appId));
                });

        assertThat(serviceReads && sidecarReads && group.equals(daprGroup))
                .as("the sidecar and the service both read stream %s in group %s", stream, group).isFalse();
        assertThat(serviceReads || sidecarReads).as("nobody reads stream " + stream).isTrue();
        String guide = EnvironmentVariables.read(ROOT.resolve("docs/DEPLOYMENT.md"));
        String paragraph = guide.substring(guide.indexOf("`deploy/docker-compose-dapr.yaml`"));
        paragraph = paragraph.substring(0, paragraph.indexOf("```"));
        assertThat(paragraph).as("docs/DEPLOYMENT.md on the Dapr compose file").contains("`REDIS_INGEST_ENABLED=" + serviceReads + "`");
    }

    /** A variable as the compose file sets it, else the default of its application.yaml placeholder. */
    private static String setting(Map<String, Object> environment, String application, String name) {
        if (environment.containsKey(name)) {
            return environment.get(name).toString();
        }
        java.util.regex.Matcher placeholder = java.util.regex.Pattern.compile("\\$\\{" + name + ":([^}]*)}").matcher(application);
        assertThat(placeholder.find()).as(name + " in application.yaml").isTrue();
        return placeholder.group(1);
    }

    @Test
    void kubernetesDeploymentProbesServiceAndConfigMapsFitTogether() {
        Map<String, Object> deployment = single(DEPLOY.resolve("k8s/deployment.yaml"));
        assertThat(deployment).containsEntry("kind", "Deployment");
        Map<String, Object> podSpec = map(map(map(deployment, "spec"), "template"), "spec");
        Map<String, Object> podLabels = map(map(map(map(deployment, "spec"), "template"), "metadata"), "labels");
        assertThat(podLabels).containsAllEntriesOf(map(map(map(deployment, "spec"), "selector"), "matchLabels"));
        @SuppressWarnings("unchecked")
        Map<String, Object> container = (Map<String, Object>) list(podSpec, "containers").get(0);
        Map<String, Map<String, Object>> ports = list(container, "ports").stream().map(DeployFilesTest::asMap)
                .collect(Collectors.toMap(p -> p.get("name").toString(), p -> p));
        assertThat(ports).containsOnlyKeys("http", "management");
        Map<String, Object> port = ports.get("http");
        Map<String, Object> management = ports.get("management");
        // probes go to actuator on the management port: no API token there, the details stay off the app port
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(path(container, probe, "httpGet", "port")).as(probe).isEqualTo("management");
        }
        assertThat(path(container, "startupProbe", "httpGet", "path")).isEqualTo("/health/liveness");
        assertThat(path(container, "livenessProbe", "httpGet", "path")).isEqualTo("/health/liveness");
        assertThat(path(container, "readinessProbe", "httpGet", "path")).isEqualTo("/health/readiness");
        Map<String, Object> annotations = map(map(map(deployment, "spec"), "template"), "metadata");
        assertThat(map(annotations, "annotations")).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", management.get("containerPort").toString())
                .containsEntry("prometheus.io/path", "/prometheus");

        Map<String, Object> config = single(DEPLOY.resolve("k8s/configmap.yaml"));
        Map<String, Object> settings = map(config, "data");
        assertThat(settings.get("APP_PORT").toString()).isEqualTo(port.get("containerPort").toString());
        assertThat(settings.get("MANAGEMENT_PORT").toString()).isEqualTo(management.get("containerPort").toString());
        // the kubelet and Prometheus come to the pod IP, not to its loopback
        assertThat(settings.get("MANAGEMENT_ADDRESS")).isEqualTo("0.0.0.0");
        assertKnownVariables(settings.keySet(), "k8s/configmap.yaml");
        assertKnownVariables(map(single(DEPLOY.resolve("k8s/secret.example.yaml")), "stringData").keySet(), "k8s/secret.example.yaml");

        Set<String> configMaps = Stream.of(EnvironmentVariables.files(DEPLOY.resolve("k8s"), ".yaml"))
                .flatMap(file -> documents(file).stream()).map(DeployFilesTest::asMap)
                .filter(doc -> "ConfigMap".equals(doc.get("kind"))).map(doc -> map(doc, "metadata").get("name").toString())
                .collect(Collectors.toSet());
        assertThat(list(podSpec, "volumes")).allSatisfy(volume -> {
            Map<String, Object> v = asMap(volume);
            if (v.containsKey("configMap")) {
                assertThat(configMaps).contains(map(v, "configMap").get("name").toString());
            }
        });
        assertThat(list(container, "envFrom")).anySatisfy(from -> assertThat(asMap(from)).containsKey("configMapRef"));
        assertThat(list(container, "volumeMounts")).anySatisfy(mount -> assertThat(asMap(mount)).containsEntry("mountPath", "/app/routes"));

        Map<String, Object> service = single(DEPLOY.resolve("k8s/service.yaml"));
        assertThat(map(map(service, "spec"), "selector")).isEqualTo(podLabels);
        assertThat(list(map(service, "spec"), "ports")).singleElement()
                .satisfies(servicePort -> assertThat(asMap(servicePort)).containsEntry("targetPort", port.get("name")));

        for (Object resource : list(single(DEPLOY.resolve("k8s/kustomization.yaml")), "resources")) {
            assertThat(DEPLOY.resolve("k8s").resolve(resource.toString())).isRegularFile();
        }
    }

    @Test
    void routesConfigMapHoldsTheRoutesFolder() {
        Map<String, Object> data = map(single(DEPLOY.resolve("k8s/routes-configmap.yaml")), "data");
        Map<String, String> routes = new TreeMap<>();
        for (Path file : EnvironmentVariables.files(ROOT.resolve("routes"), ".camel.yaml")) {
            routes.put(file.getFileName().toString(), EnvironmentVariables.read(file).stripTrailing());
        }
        Map<String, String> inConfigMap = new TreeMap<>();
        data.forEach((name, text) -> inConfigMap.put(name, text.toString().stripTrailing()));
        assertThat(routes).isNotEmpty();
        assertThat(inConfigMap).as("deploy/k8s/routes-configmap.yaml is stale: run deploy/k8s/routes-configmap.sh").isEqualTo(routes);
    }

    @Test
    void imageCarriesTheRoutesAndFetchesTheEngineOnlyWhenAsked() {
        String dockerfile = EnvironmentVariables.read(DEPLOY.resolve("Dockerfile"));
        assertThat(dockerfile).contains("ARG WITH_CHDB=false", " AS build", "FROM chdb-${WITH_CHDB} AS chdb", "COPY routes /app/routes",
                "COPY --from=build /src/target/budmetrics.jar /app/budmetrics.jar");
        // the runtime ENV names variables the service reads
        List<String> envNames = new ArrayList<>();
        boolean inEnv = false;
        for (String line : dockerfile.split("\n")) {
            String t = line.strip();
            if (t.startsWith("ENV ")) {
                inEnv = true;
                t = t.substring(4).strip();
            }
            if (inEnv) {
                String name = t.split("=", 2)[0].strip();
                if (!name.isEmpty()) {
                    envNames.add(name);
                }
                inEnv = t.endsWith("\\");
            }
        }
        assertThat(envNames).contains("BUDMETRICS_ROUTES", "APP_PORT", "MANAGEMENT_PORT", "MANAGEMENT_ADDRESS");
        assertThat(dockerfile).contains("MANAGEMENT_PORT=8001", "MANAGEMENT_ADDRESS=0.0.0.0", "\nEXPOSE 8000 8001\n");
        assertKnownVariables(Set.copyOf(envNames), "Dockerfile");
        Path entrypoint = DEPLOY.resolve("docker-entrypoint.sh");
        assertThat(Files.isExecutable(entrypoint)).as("docker-entrypoint.sh is executable").isTrue();
        assertThat(EnvironmentVariables.read(entrypoint)).contains("-jar /app/budmetrics.jar \"$@\"");
    }

    private static void assertBuildsThisRepository(Map<String, Object> app) {
        Map<String, Object> build = map(app, "build");
        Path context = DEPLOY.resolve(build.get("context").toString()).normalize();
        assertThat(context).isEqualTo(ROOT.normalize());
        assertThat(context.resolve(build.get("dockerfile").toString())).isRegularFile();
    }

    private static void assertKnownVariables(Set<String> names, String where) {
        Set<String> known = EnvironmentVariables.readByProject(ROOT);
        assertThat(names).as("variables set in " + where + " that the service does not read").isSubsetOf(known);
    }

    private static List<Object> documents(Path file) {
        List<Object> documents = new ArrayList<>();
        new Yaml().loadAll(EnvironmentVariables.read(file)).forEach(documents::add);
        return documents;
    }

    private static Map<String, Object> single(Path file) {
        List<Object> documents = documents(file);
        assertThat(documents).as(file.toString()).hasSize(1);
        return asMap(documents.get(0));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return asMap(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        assertThat(parent.get(key)).isInstanceOf(List.class);
        return (List<Object>) parent.get(key);
    }

    private static Object path(Map<String, Object> root, String... keys) {
        Map<String, Object> current = root;
        for (int i = 0; i < keys.length - 1; i++) {
            current = map(current, keys[i]);
        }
        return current.get(keys[keys.length - 1]);
    }
}
