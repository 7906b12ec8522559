package ai.bud.metrics.tools;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.Application;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The tools stay outside the service: their packages are their own, no service class refers to one of them (the
 * service jar leaves them out, so such a reference would fail at run time), and the pom's jar lists name exactly
 * those packages. ToolsJarCheck reads the jars themselves after {@code package}.
 */
class ToolsLayoutTest {

    private static final Set<String> TOOLS_PACKAGES = ToolsLayout.packages(ToolsLayout.TOOLS_SOURCES);

    @Test
    void theToolsOwnTheirPackages() {
        assertThat(TOOLS_PACKAGES).contains("ai/bud/metrics/seed", "ai/bud/metrics/bench", "ai/bud/metrics/tools");
        Set<String> service = ToolsLayout.packages(ToolsLayout.SERVICE_SOURCES);
        assertThat(service).as("service packages").contains("ai/bud/metrics", "ai/bud/metrics/clickhouse");
        assertThat(service).as("packages with sources in both src/main/java and tools/src/main/java: the jars split by package")
                .doesNotContainAnyElementsOf(TOOLS_PACKAGES);
    }

    @Test
    void noServiceClassRefersToATool() throws IOException, URISyntaxException {
        Path classes = Path.of(Application.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> references = new TreeMap<>();
        int serviceClasses = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = ToolsLayout.slashes(classes.relativize(file));
                Set<String> used = toolPackagesReferredToBy(Files.readAllBytes(file));
                if (TOOLS_PACKAGES.contains(ToolsLayout.packageOf(name))) {
                    references.put("(tool) " + name, used);
                } else {
                    serviceClasses++;
                    if (!used.isEmpty()) {
                        references.put(name, used);
                    }
                }
            }
        }
        assertThat(serviceClasses).as("service classes read from " + classes).isGreaterThan(50);
        // the check sees a reference where there is one: the tools' entry point refers to the seeder and the bench
        assertThat(references.get("(tool) ai/bud/metrics/tools/Tools.class")).contains("ai/bud/metrics/seed", "ai/bud/metrics/bench");
        references.keySet().removeIf(name -> name.startsWith("(tool) "));
        assertThat(references).as("service classes referring to a tools package (by type or by name)").isEmpty();
    }

    @Test
    void thePomSplitsTheJarsByExactlyTheToolsPackages() throws Exception {
        Element pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ToolsLayout.ROOT.resolve("pom.xml").toFile()).getDocumentElement();
        List<String> expected = TOOLS_PACKAGES.stream().map(p -> p + "/**").toList();
        assertThat(jarPatterns(pom, "default-jar", "exclude")).as("service jar excludes").containsExactlyInAnyOrderElementsOf(expected);
        assertThat(jarPatterns(pom, "tools-jar", "include")).as("tools jar includes").containsExactlyInAnyOrderElementsOf(expected);
    }

    /** The tools packages whose classes {@code classFile} names, as types (a/b/C) or as strings (a.b.C). */
    static Set<String> toolPackagesReferredToBy(byte[] classFile) {
        // class names, descriptors and string constants are all in the constant pool, as (modified) UTF-8
        String text = new String(classFile, StandardCharsets.ISO_8859_1);
        Set<String> used = new TreeSet<>();
        for (String tools : TOOLS_PACKAGES) {
            if (text.contains(tools + "/") || text.contains(tools.replace('/', '.') + ".")) {
                used.add(tools);
            }
        }
        return used;
    }

    private static List<String> jarPatterns(Element pom, String executionId, String tag) {
        List<String> patterns = new ArrayList<>();
        NodeList executions = pom.getElementsByTagName("execution");
        for (int i = 0; i < executions.getLength(); i++) {
            Element execution = (Element) executions.item(i);
            Element plugin = (Element) execution.getParentNode().getParentNode();
            if (!text(plugin, "artifactId").equals("maven-jar-plugin") || !text(execution, "id").equals(executionId)) {
                continue;
            }
            NodeList values = execution.getElementsByTagName(tag);
            for (int j = 0; j < values.getLength(); j++) {
                patterns.add(values.item(j).getTextContent().strip());
            }
        }
        return patterns;
    }

    private static String text(Element parent, String child) {
        for (var node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element e && e.getTagName().equals(child)) {
                return e.getTextContent().strip();
            }
        }
        return "";
    }
}
