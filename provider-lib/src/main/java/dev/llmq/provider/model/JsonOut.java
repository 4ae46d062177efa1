package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Function;

/** Writes fields, skipping absent (null) values; extra (unknown) fields last, never over a known one. */
final class JsonOut {

    private final ObjectNode out = JsonNodeFactory.instance.objectNode();

    static JsonOut create() {
        return new JsonOut();
    }

    JsonOut str(String k, String v) {
        if (v != null) {
            out.put(k, v);
        }
        return this;
    }

    JsonOut num(String k, Integer v) {
        if (v != null) {
            out.put(k, v);
        }
        return this;
    }

    JsonOut num(String k, Long v) {
        if (v != null) {
            out.put(k, v);
        }
        return this;
    }

    JsonOut num(String k, Double v) {
        if (v != null) {
            out.put(k, v);
        }
        return this;
    }

    JsonOut bool(String k, Boolean v) {
        if (v != null) {
            out.put(k, v);
        }
        return this;
    }

    JsonOut node(String k, JsonNode v) {
        if (v != null) {
            out.set(k, v.deepCopy());
        }
        return this;
    }

    <T> JsonOut list(String k, List<T> items, Function<T, JsonNode> item) {
        if (items != null) {
            ArrayNode a = out.putArray(k);
            items.forEach(i -> a.add(item.apply(i)));
        }
        return this;
    }

    JsonOut extra(ObjectNode extra) {
        if (extra != null) {
            extra.properties().forEach(e -> {
                if (!out.has(e.getKey())) {
                    out.set(e.getKey(), e.getValue().deepCopy());
                }
            });
        }
        return this;
    }

    ObjectNode build() {
        return out;
    }
}
