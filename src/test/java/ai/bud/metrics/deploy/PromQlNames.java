package ai.bud.metrics.deploy;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names a PromQL expression (or a Grafana {@code label_values} look-up) selects. */
final class PromQlNames {

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private PromQlNames() {
    }

    /** Neither functions, label names, label values, durations, numbers nor keywords: the selected metrics. */
    static Set<String> of(String expr) {
        String text = expr
                .replaceAll("\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'", " ")    // strings (label values)
                .replaceAll("\\{[^}]*}", " ")                                       // label matchers
                .replaceAll("\\[[^]]*]", " ")                                       // ranges and subqueries
                .replaceAll("\\blabel_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)[^)]*\\)", " $1 ") // Grafana: the metric, not the label
                .replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ") // label lists
                .replaceAll("\\$\\w+", " ")                                         // Grafana variables
                .replaceAll("\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?:ms|[smhdwy])?\\b", " "); // numbers and durations
        Set<String> names = new TreeSet<>();
        Matcher token = NAME.matcher(text);
        while (token.find()) {
            boolean call = text.substring(token.end()).stripLeading().startsWith("(");
            if (!call && !KEYWORDS.contains(token.group().toLowerCase(Locale.ROOT))) {
                names.add(token.group());
            }
        }
        return names;
    }
}
