package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Reads known fields of one JSON object, type-checked, and keeps every other field as {@link #extra()}. */
final class JsonIn {

    private final ObjectNode src;
    private final String where;
    private final Set<String> used = new HashSet<>();

    JsonIn(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + " must be a JSON object");
        }
        this.src = (ObjectNode) node;
        this.where = where;
    }

    JsonNode raw(String k) {
        used.add(k);
        JsonNode v = src.get(k);
        return v == null || v.isNull() ? null : v;
    }

    String str(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw bad(k, "a string");
        }
        return v.asText();
    }

    Integer integer(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() && v.asDouble() != Math.rint(v.asDouble())) {
            throw bad(k, "an integer");
        }
        return v.asInt();
    }

    Long lng(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.isNumber() || !v.canConvertToLong()) {
            throw bad(k, "an integer");
        }
        return v.asLong();
    }

    Double dbl(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw bad(k, "a number");
        }
        return v.asDouble();
    }

    Boolean bool(String k) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw bad(k, "a boolean");
        }
        return v.asBoolean();
    }

    /** A deep copy of any JSON value, or null. */
    JsonNode any(String k) {
        JsonNode v = raw(k);
        return v == null ? null : v.deepCopy();
    }

    <T> List<T> list(String k, Function<JsonNode, T> item) {
        JsonNode v = raw(k);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            throw bad(k, "an array");
        }
        List<T> out = new ArrayList<>(v.size());
        for (JsonNode n : v) {
            out.add(item.apply(n));
        }
        return out;
    }

    /** The fields not read, deep-copied, in their original order. */
    ObjectNode extra() {
        ObjectNode out = src.objectNode();
        for (Map.Entry<String, JsonNode> e : src.properties()) {
            if (!used.contains(e.getKey())) {
                out.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        return out;
    }

    private IllegalArgumentException bad(String k, String what) {
        return new IllegalArgumentException(where + "." + k + " must be " + what);
    }

    static ArrayNode requireArray(JsonNode v, String where) {
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(where + " must be an array");
        }
        return (ArrayNode) v;
    }
}
