package dev.llmq.router.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.config.ConfigKey;
import dev.llmq.router.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to one YAML map of the config: resolves {@code os.environ/NAME}, checks types, names the entry in
 * every error, and remembers which keys were read so the rest can be reported as unsupported.
 */
public final class Fields {

    private static final String ENV_PREFIX = "os.environ/";

    private final JsonNode node;
    private final String path;
    private final String label;
    private final Map<String, String> env;
    private final Set<String> used = new HashSet<>();
    private final List<String> pendingUnsupported = new ArrayList<>();

    /**
     * @param path dotted name of this map, for the unsupported-key report (e.g. {@code model_list[0].litellm_params})
     * @param label how errors name the entry (e.g. {@code model_list[2] (model_name: gpt-4o)})
     */
    public Fields(JsonNode node, String path, String label, Map<String, String> env) {
        this.node = node;
        this.path = path;
        this.label = label;
        this.env = env;
        if (node != null && !node.isNull() && !node.isObject()) {
            throw new ConfigException(label + ": expected a map, got " + node.getNodeType().name().toLowerCase());
        }
    }

    public String label() {
        return label;
    }

    public String path() {
        return path;
    }

    public boolean has(String key) {
        JsonNode v = node == null ? null : node.get(key);
        return v != null && !v.isNull();
    }

    /** The raw node, marked as read; null when missing or null. */
    public JsonNode raw(String key) {
        used.add(key);
        JsonNode v = node == null ? null : node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** Keys of this map, in file order. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        if (node != null) {
            node.fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }

    /**
     * The value of a defined key in this map ({@code key.leaf()}), converted and validated by its definition; the
     * key's default when absent.
     */
    public <T> T get(ConfigKey<T> key) {
        String leaf = key.leaf();
        JsonNode v = raw(leaf);
        Object scalar;
        if (v == null) {
            scalar = null;
        } else if (v.isNumber()) {
            scalar = v.numberValue();
        } else if (v.isBoolean()) {
            scalar = v.booleanValue();
        } else if (v.isValueNode()) {
            scalar = resolve(leaf, v.asText());
        } else {
            throw error(leaf, "expected a value, got a " + v.getNodeType().name().toLowerCase());
        }
        try {
            return key.parse(scalar, path.isEmpty() ? leaf : path + "." + leaf);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    public String text(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isValueNode()) {
            throw error(key, "expected a text value");
        }
        return resolve(key, v.asText());
    }

    public String requiredText(String key) {
        String v = text(key);
        if (v == null || v.isBlank()) {
            throw new ConfigException(label + ": missing " + key);
        }
        return v;
    }

    public Long longValue(String key) {
        Double d = number(key);
        if (d == null) {
            return null;
        }
        if (d != Math.rint(d)) {
            throw error(key, "expected a whole number, got " + d);
        }
        return d.longValue();
    }

    public Integer intValue(String key) {
        Long v = longValue(key);
        if (v != null && (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)) {
            throw error(key, "number out of range: " + v);
        }
        return v == null ? null : v.intValue();
    }

    public Double number(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            String s = resolve(key, v.asText()).trim();
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw error(key, "expected a number, got '" + s + "'");
            }
        }
        throw error(key, "expected a number");
    }

    public Boolean bool(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String s = v.isTextual() ? resolve(key, v.asText()).trim() : "";
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        throw error(key, "expected true or false");
    }

    /** A duration given in (possibly fractional) seconds. */
    public Duration seconds(String key) {
        Double d = number(key);
        if (d == null) {
            return null;
        }
        if (d < 0 || d.isNaN() || d.isInfinite()) {
            throw error(key, "expected seconds >= 0, got " + d);
        }
        return Duration.ofNanos(Math.round(d * 1_000_000_000L));
    }

    /** A list of texts; a single text counts as a list of one. */
    public List<String> strings(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode item : v) {
                if (!item.isValueNode() || item.isNull()) {
                    throw error(key, "expected a list of texts");
                }
                out.add(resolve(key, item.asText()));
            }
        } else if (v.isValueNode()) {
            out.add(resolve(key, v.asText()));
        } else {
            throw error(key, "expected a list of texts");
        }
        return out;
    }

    /** A nested map; an empty one when missing. */
    public Fields child(String key) {
        JsonNode v = raw(key);
        return new Fields(v, path.isEmpty() ? key : path + "." + key, label + ": " + key, env);
    }

    /** A flat map of texts; nested maps are flattened with dots (for Kafka properties). */
    public void flattenInto(String prefix, JsonNode n, Map<String, String> out) {
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flattenInto(k, v, out);
            } else if (v.isValueNode() && !v.isNull()) {
                out.put(k, resolve(k, v.asText()));
            } else {
                throw error(k, "expected a text value");
            }
        }
    }

    /** Adds every key not read to the sink as a dotted name. */
    public void reportUnused(List<String> sink) {
        sink.addAll(pendingUnsupported);
        for (String k : keys()) {
            if (!used.contains(k)) {
                sink.add(path.isEmpty() ? k : path + "." + k);
            }
        }
    }

    /** Reports unread keys of this nested map into the unsupported list kept by its parent's owner. */
    void reportUnusedTo(Fields parent) {
        for (String k : keys()) {
            if (!used.contains(k)) {
                parent.pendingUnsupported.add(path + "." + k);
            }
        }
    }

    /** Reports one key of this map, read but without effect, as unsupported through its parent's owner. */
    void reportUnusedTo(Fields parent, String key) {
        parent.pendingUnsupported.add(path + "." + key);
    }

    public ConfigException error(String key, String problem) {
        return new ConfigException(label + ": " + key + ": " + problem);
    }

    private String resolve(String key, String value) {
        if (value == null || !value.startsWith(ENV_PREFIX)) {
            return value;
        }
        String name = value.substring(ENV_PREFIX.length());
        String resolved = env.get(name);
        if (resolved == null) {
            throw new ConfigException(label + ": " + key + ": environment variable " + name + " is not set", name);
        }
        return resolved;
    }
}
