package dev.llmq.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmq.config.ConfigKey;
import dev.llmq.config.DeploymentKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.config.RouterKeys;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An llmq config file written by a benchmark, spelled through the key definitions ({@link ConfigKey#name()}), so no
 * key name is repeated here.
 */
final class BenchConfig {

    /** The {@code llmq.kafka} map, whose entries {@link #set(List)} takes as {@code llmq.kafka.<property>}. */
    private static final String KAFKA_SECTION = LlmqKeys.KAFKA.name().replace(".*", "");
    private static final String KAFKA_PREFIX = KAFKA_SECTION + ".";

    private final ObjectNode root = Json.mapper().createObjectNode();

    /** Sets {@code key} (a dotted name such as {@code llmq.worker.max_in_flight}) under the root. */
    BenchConfig set(ConfigKey<?> key, Object value) {
        put(root, key, value);
        return this;
    }

    /**
     * Sets each {@code name=value} of {@code assignments} (a key of the {@code router_settings} or {@code llmq}
     * sections, e.g. {@code llmq.worker.running_event_delay_ms=0}, or a Kafka client or Streams property under
     * {@code llmq.kafka.}, e.g. {@code llmq.kafka.statestore.cache.max.bytes=67108864}), the value written as given
     * and read by the roles as any value of the file is.
     *
     * @throws IllegalArgumentException for a malformed assignment or a key llmq does not define
     */
    BenchConfig set(List<String> assignments) {
        for (String a : assignments) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set wants name=value, got '" + a + "'");
            }
            String name = a.substring(0, eq).trim();
            String value = a.substring(eq + 1).trim();
            if (name.startsWith(KAFKA_PREFIX) && name.length() > KAFKA_PREFIX.length()) {
                // one Kafka client or Streams property, kept whole under the llmq.kafka map (dots and all)
                section(root, KAFKA_SECTION).put(name.substring(KAFKA_PREFIX.length()), value);
                continue;
            }
            ConfigKey<?> key = RouterKeys.DEF.find(name).or(() -> LlmqKeys.DEF.find(name)).orElseThrow(
                    () -> new IllegalArgumentException("--set " + name + ": not a key of router_settings or llmq "
                            + "(see docs/configuration.md)"));
            set(key, value);
        }
        return this;
    }

    /** Adds one deployment to the model list; {@code keys} and {@code values} alternate. */
    BenchConfig deployment(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must alternate");
        }
        ArrayNode list = root.has(DeploymentKeys.DEF.section()) ? (ArrayNode) root.get(DeploymentKeys.DEF.section())
                : root.putArray(DeploymentKeys.DEF.section());
        ObjectNode deployment = list.addObject();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            put(deployment, (ConfigKey<?>) keysAndValues[i], keysAndValues[i + 1]);
        }
        return this;
    }

    Path write(Path file) throws IOException {
        Files.writeString(file, new YAMLMapper().writeValueAsString(root));
        return file;
    }

    private static void put(ObjectNode node, ConfigKey<?> key, Object value) {
        String name = key.name();
        int last = name.lastIndexOf('.');
        ObjectNode at = last < 0 ? node : section(node, name.substring(0, last));
        at.set(name.substring(last + 1), Json.mapper().valueToTree(value));
    }

    /** The object at the dotted {@code path} under {@code node}, made where missing. */
    private static ObjectNode section(ObjectNode node, String path) {
        ObjectNode at = node;
        for (String part : path.split("\\.")) {
            JsonNode next = at.get(part);
            at = next instanceof ObjectNode o ? o : at.putObject(part);
        }
        return at;
    }
}
