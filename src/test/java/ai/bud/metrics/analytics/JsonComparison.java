package ai.bud.metrics.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Field-by-field comparison of two JSON documents: integers exactly, doubles within a small tolerance. */
final class JsonComparison {

    private JsonComparison() {
    }

    static List<String> differences(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare("$", expected, actual, out);
        return out;
    }

    private static void compare(String path, JsonNode expected, JsonNode actual, List<String> out) {
        if (out.size() > 20) {
            return;
        }
        if (actual == null) {
            out.add(path + ": missing, expected " + expected);
            return;
        }
        if (expected.isNull() || actual.isNull()) {
            if (expected.isNull() != actual.isNull()) {
                out.add(path + ": expected " + expected + " but was " + actual);
            }
            return;
        }
        if (expected.isObject()) {
            if (!actual.isObject()) {
                out.add(path + ": expected an object but was " + actual);
                return;
            }
            List<String> names = new ArrayList<>();
            expected.fieldNames().forEachRemaining(names::add);
            List<String> actualNames = new ArrayList<>();
            actual.fieldNames().forEachRemaining(actualNames::add);
            if (!names.equals(actualNames)) {
                out.add(path + ": fields " + actualNames + ", expected " + names);
            }
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                compare(path + "." + name, expected.get(name), actual.get(name), out);
            }
            return;
        }
        if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                out.add(path + ": expected " + expected.size() + " elements but was " + (actual.isArray() ? actual.size() : actual));
                if (!actual.isArray()) {
                    return;
                }
            }
            for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
                compare(path + "[" + i + "]", expected.get(i), actual.get(i), out);
            }
            return;
        }
        if (expected.isIntegralNumber()) {
            if (!actual.isIntegralNumber() || actual.longValue() != expected.longValue()) {
                out.add(path + ": expected integer " + expected + " but was " + actual);
            }
            return;
        }
        if (expected.isNumber()) {
            if (!actual.isNumber()) {
                out.add(path + ": expected " + expected + " but was " + actual);
                return;
            }
            double e = expected.doubleValue();
            double a = actual.doubleValue();
            boolean rounded = path.endsWith(".delta") || path.endsWith(".delta_percent");
            double tolerance = rounded ? 0.0100001 : 1e-9 * Math.max(1, Math.abs(e));
            if (Math.abs(e - a) > tolerance) {
                out.add(path + ": expected " + e + " but was " + a);
            }
            return;
        }
        if (!expected.equals(actual)) {
            out.add(path + ": expected " + expected + " but was " + actual);
        }
    }
}
