package ai.bud.metrics.ingest;

import ai.bud.metrics.errors.FieldError;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What ClickHouse's JSON column type refuses in an object that is valid JSON, found before the INSERT so that the
 * sender learns which field instead of the insert failing (checked against the engine in RowInserterTest):
 * <ul>
 * <li>one path given twice: the type reads a dot in a key as nesting ({@code {"a.b": 1}} is {@code {"a": {"b": 1}}}),
 * so {@code {"a.b": 1, "a": {"b": 2}}} holds {@code a.b} twice. A null or an empty object makes no path, an array is
 * a value at its path, and every object inside an array is a document of its own;</li>
 * <li>an integer outside Int64 and UInt64 ({@code -2^63 .. 2^64-1});</li>
 * <li>a number beyond a 64-bit float, which the JSON reader turns into infinity (and its writer into the text
 * {@code "Infinity"}: stored, but no longer the number that was sent).</li>
 * </ul>
 */
final class JsonColumnCheck {

    private static final BigInteger MIN_INTEGER = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_INTEGER = new BigInteger("18446744073709551615");
    /** Problems reported per value; a field name longer than this is cut (keys can be as long as the body). */
    private static final int MAX_ERRORS = 5;
    private static final int MAX_FIELD_LENGTH = 200;

    private final List<FieldError> errors;
    private int found;

    private JsonColumnCheck(List<FieldError> errors) {
        this.errors = errors;
    }

    /** Adds to {@code errors} what ClickHouse would refuse in {@code object}, the value of {@code field}. */
    static void check(JsonNode object, String field, List<FieldError> errors) {
        new JsonColumnCheck(errors).document(object, field);
    }

    /** An object stored as one JSON document: its paths must be distinct (tracked only when a key holds a dot). */
    private void document(JsonNode object, String name) {
        Set<String> paths = hasDottedKey(object) ? new HashSet<>() : null;
        members(object, null, name, paths);
    }

    /** {@code path}: of {@code object} in its document, null for the document itself (an empty key is a path too). */
    private void members(JsonNode object, String path, String name, Set<String> paths) {
        for (Map.Entry<String, JsonNode> member : object.properties()) {
            String memberPath = path == null ? member.getKey() : path + "." + member.getKey();
            value(member.getValue(), memberPath, name, paths);
        }
    }

    private void value(JsonNode value, String path, String name, Set<String> paths) {
        if (value.isNull()) {
            return;
        }
        if (value.isObject()) {
            members(value, path, name, paths);
            return;
        }
        if (paths != null && !paths.add(path)) {
            report(name + "." + path, "is given twice: a dot in a key is read as nesting, so {\"a.b\": 1} and {\"a\": {\"b\": 2}}"
                    + " name the same path; send one of them");
        }
        if (value.isArray()) {
            elements(value, name + "." + path);
        } else if (value.isNumber()) {
            number(value, name + "." + path);
        }
    }

    private void elements(JsonNode array, String name) {
        int index = 0;
        for (JsonNode element : array) {
            String elementName = name + "[" + index++ + "]";
            if (element.isObject()) {
                document(element, elementName);
            } else if (element.isArray()) {
                elements(element, elementName);
            } else if (element.isNumber()) {
                number(element, elementName);
            }
        }
    }

    private void number(JsonNode number, String name) {
        if (number.isBigInteger()) {
            BigInteger value = number.bigIntegerValue();
            if (value.compareTo(MIN_INTEGER) < 0 || value.compareTo(MAX_INTEGER) > 0) {
                report(name, "is an integer beyond what can be stored (" + MIN_INTEGER + " to " + MAX_INTEGER
                        + "); send it as a string or with a decimal point");
            }
        } else if (number.isFloatingPointNumber() && !Double.isFinite(number.doubleValue())) {
            report(name, "is a number beyond the range of a 64-bit float");
        }
    }

    private void report(String name, String message) {
        if (found++ < MAX_ERRORS) {
            errors.add(new FieldError(name.length() <= MAX_FIELD_LENGTH ? name : name.substring(0, MAX_FIELD_LENGTH) + "…", message));
        }
    }

    /** Whether a key of this document (its nested objects included, not the documents inside its arrays) holds a dot. */
    private static boolean hasDottedKey(JsonNode object) {
        for (Map.Entry<String, JsonNode> member : object.properties()) {
            if (member.getKey().indexOf('.') >= 0 || member.getValue().isObject() && hasDottedKey(member.getValue())) {
                return true;
            }
        }
        return false;
    }
}
