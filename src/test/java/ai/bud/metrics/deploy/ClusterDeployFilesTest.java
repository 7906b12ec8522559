package ai.bud.metrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/cluster/ (2 shards x 2 replicas, 3 Keeper nodes, the service with CLICKHOUSE_CLUSTER) cannot be started here
 * (no Docker engine): its XML and YAML must parse, and the pieces must agree with each other and with the code — the
 * cluster the service names is the one the servers define, every replica is a compose service whose macros name its
 * shard, the Keeper ensemble is the compose's Keeper services with their ids, every mounted file exists.
 */
class ClusterDeployFilesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path CLUSTER = ROOT.resolve("deploy/cluster");

    @Test
    void theServiceRunsOnTwoShardsOfTwoReplicasCoordinatedByThreeKeepers() throws Exception {
        Map<String, Object> services = map(compose(), "services");
        Element config = xml(CLUSTER.resolve("clickhouse/cluster.xml"));

        Map<String, Object> app = map(services, "budmetrics");
        Map<String, Object> environment = map(app, "environment");
        String cluster = environment.get("CLICKHOUSE_CLUSTER").toString();
        Element servers = child(child(config, "remote_servers"), cluster);
        assertThat(servers).as("remote_servers defines the cluster the service names").isNotNull();
        assertThat(EnvironmentVariables.readByProject(ROOT)).as("variables the service reads").containsAll(environment.keySet());
        assertThat(services).containsKey(environment.get("CLICKHOUSE_HOST").toString());
        assertThat(map(app, "depends_on")).containsKeys("redis", environment.get("CLICKHOUSE_HOST").toString());

        Map<String, List<String>> shards = new LinkedHashMap<>();
        List<Element> shardElements = children(servers, "shard");
        for (int s = 0; s < shardElements.size(); s++) {
            Element shard = shardElements.get(s);
            assertThat(text(child(shard, "internal_replication"))).as("replication copies a shard's rows, not the Distributed insert").isEqualTo("true");
            List<String> hosts = children(shard, "replica").stream().map(replica -> text(child(replica, "host"))).toList();
            shards.put("%02d".formatted(s + 1), hosts);
        }
        assertThat(shards).hasSize(2).allSatisfy((shard, hosts) -> assertThat(hosts).hasSize(2));
        assertThat(Integer.parseInt(environment.get("CLICKHOUSE_INSERT_QUORUM").toString())).as("every replica of a shard")
                .isEqualTo(shards.values().iterator().next().size());

        Element macros = child(config, "macros");
        assertThat(child(macros, "shard").getAttribute("from_env")).isEqualTo("CLICKHOUSE_SHARD");
        assertThat(child(macros, "replica").getAttribute("from_env")).isEqualTo("CLICKHOUSE_REPLICA");
        shards.forEach((shard, hosts) -> hosts.forEach(host -> {
            Map<String, Object> node = map(services, host);
            assertThat(node.get("hostname")).isEqualTo(host);
            assertThat(node.get("image").toString()).startsWith("clickhouse/clickhouse-server:");
            Map<String, Object> nodeEnvironment = map(node, "environment");
            assertThat(nodeEnvironment).as(host).containsEntry("CLICKHOUSE_SHARD", shard).containsEntry("CLICKHOUSE_REPLICA", host);
            assertThat(nodeEnvironment).as("the inter-server secret").containsKey(child(servers, "secret").getAttribute("from_env"));
            assertThat(list(node, "volumes")).contains("./clickhouse/cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro");
            assertThat(map(node, "depends_on")).containsKeys("keeper-1", "keeper-2", "keeper-3");
        }));
        Set<String> replicas = new TreeSet<>();
        shards.values().forEach(replicas::addAll);
        assertThat(replicas).hasSize(4);
        assertThat(text(child(child(config, "distributed_ddl"), "path"))).as("ON CLUSTER needs the DDL queue").isNotBlank();

        Element keeper = child(xml(CLUSTER.resolve("keeper/keeper.xml")), "keeper_server");
        String keeperPort = text(child(keeper, "tcp_port"));
        List<String> zookeeper = children(child(config, "zookeeper"), "node").stream().map(node -> {
            assertThat(text(child(node, "port"))).isEqualTo(keeperPort);
            return text(child(node, "host"));
        }).toList();
        Map<String, String> raft = new LinkedHashMap<>();
        children(child(keeper, "raft_configuration"), "server").forEach(server -> raft.put(text(child(server, "hostname")), text(child(server, "id"))));
        assertThat(raft.keySet()).as("the Raft ensemble is the servers' Keeper").containsExactlyElementsOf(zookeeper).hasSize(3);
        assertThat(child(keeper, "server_id").getAttribute("from_env")).isEqualTo("KEEPER_SERVER_ID");
        raft.forEach((host, id) -> {
            Map<String, Object> node = map(services, host);
            assertThat(node.get("hostname")).isEqualTo(host);
            assertThat(map(node, "environment")).containsEntry("KEEPER_SERVER_ID", id);
            assertThat(list(node, "volumes")).anySatisfy(volume -> assertThat(volume.toString()).startsWith("./keeper/keeper.xml:"));
        });

        for (Object service : services.values()) {
            for (Object volume : ((Map<?, ?>) service).get("volumes") instanceof List<?> volumes ? volumes : List.of()) {
                String source = volume.toString().split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(CLUSTER.resolve(source).normalize()).as("mounted file " + source).isRegularFile();
                }
            }
        }
        Map<String, Object> build = map(app, "build");
        assertThat(CLUSTER.resolve(build.get("context").toString()).normalize()).isEqualTo(ROOT.normalize());
    }

    private static Map<String, Object> compose() {
        Object document = new Yaml().load(EnvironmentVariables.read(CLUSTER.resolve("docker-compose-cluster.yaml")));
        assertThat(document).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) document;
        return map;
    }

    private static Element xml(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(file.toFile());
        assertThat(document.getDocumentElement().getTagName()).isEqualTo("clickhouse");
        return document.getDocumentElement();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
                found.add((Element) nodes.item(i));
            }
        }
        return found;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as("<" + name + "> in <" + parent.getTagName() + ">").hasSize(1);
        return found.get(0);
    }

    private static String text(Element element) {
        return element.getTextContent().strip();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        assertThat(parent.get(key)).isInstanceOf(Map.class);
        return (Map<String, Object>) parent.get(key);
    }

    private static List<Object> list(Map<String, Object> parent, String key) {
        assertThat(parent.get(key)).as(key).isInstanceOf(List.class);
        return new ArrayList<>((List<?>) parent.get(key));
    }
}
