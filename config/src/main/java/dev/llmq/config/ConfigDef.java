package dev.llmq.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One section of the config file and its keys, in the order the docs list them.
 *
 * @param section the YAML section, e.g. {@code llmq}
 * @param intro what the section is, for the docs
 * @param removed keys the section no longer has, which a config may not set any more ({@link RemovedKey})
 */
public record ConfigDef(String section, String intro, List<ConfigKey<?>> keys, List<RemovedKey> removed) {

    public ConfigDef {
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(intro, "intro");
        keys = List.copyOf(keys);
        removed = List.copyOf(removed);
        Map<String, Object> seen = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            if (seen.put(key.name(), key) != null) {
                throw new IllegalArgumentException("key defined twice: " + key.name());
            }
        }
        for (RemovedKey key : removed) {
            if (seen.put(key.name(), key) != null) {
                throw new IllegalArgumentException("key both defined and removed, or removed twice: " + key.name());
            }
        }
    }

    /** A section none of whose keys was removed. */
    public ConfigDef(String section, String intro, List<ConfigKey<?>> keys) {
        this(section, intro, keys, List.of());
    }

    public Optional<ConfigKey<?>> find(String name) {
        return keys.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /** The removed key of this name, if the section had one. */
    public Optional<RemovedKey> findRemoved(String name) {
        return removed.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /** The section as a Markdown table: key, type, default, valid values, description. */
    public String markdownTable() {
        StringBuilder out = new StringBuilder();
        out.append("| key | type | default | valid values | description |\n");
        out.append("|---|---|---|---|---|\n");
        for (ConfigKey<?> k : keys) {
            out.append("| `").append(k.name()).append("` | ").append(k.type().name()).append(" | ")
                    .append(k.defaultValue() == null ? "" : "`" + show(k.defaultValue()) + "`").append(" | ")
                    .append(escape(k.validator().describe())).append(" | ").append(escape(k.doc()))
                    .append(" Example: `").append(k.example()).append("` |\n");
        }
        return out.toString();
    }

    /** The removed keys as a Markdown table (key, why it went); empty when none was removed. */
    public String removedTable() {
        if (removed.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("| removed key | why |\n");
        out.append("|---|---|\n");
        for (RemovedKey k : removed) {
            out.append("| `").append(k.name()).append("` | ").append(escape(k.reason())).append(" |\n");
        }
        return out.toString();
    }

    private static String show(Object value) {
        if (value instanceof java.time.Duration d) {
            return (d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toMillis() / 1000.0));
        }
        return value.toString();
    }

    private static String escape(String text) {
        return text.replace("|", "\\|");
    }

    /** Keys of several sections, for a reference that spans them. */
    static List<ConfigKey<?>> all(List<ConfigDef> defs) {
        List<ConfigKey<?>> out = new ArrayList<>();
        defs.forEach(d -> out.addAll(d.keys()));
        return out;
    }
}
