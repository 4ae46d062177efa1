package dev.llmq.router;

import dev.llmq.router.internal.ConfigParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads the llmq config file: LiteLLM proxy's {@code model_list} / {@code router_settings} /
 * {@code litellm_settings} plus llmq's own {@code llmq:} section.
 *
 * <p>{@code os.environ/NAME} values resolve from the given environment. {@code KAFKA_BOOTSTRAP_SERVERS} overrides
 * {@code llmq.kafka.bootstrap.servers}, and {@code LLMQ_KAFKA_SOME_PROPERTY} sets the Kafka property
 * {@code some.property}. Keys llmq does not support end up in {@link LlmqConfig#unsupportedKeys()}.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /** @throws ConfigException when the file cannot be read or is invalid; the message names the entry */
    public static LlmqConfig load(Path file, Map<String, String> env) {
        return load(file, env, ConfigScope.ROUTING);
    }

    /**
     * Reads what a role needs ({@link ConfigScope}).
     *
     * @throws ConfigException when the file cannot be read or is invalid; the message names the entry
     */
    public static LlmqConfig load(Path file, Map<String, String> env, ConfigScope scope) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(yaml, env, scope);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** @throws ConfigException when the text is invalid; the message names the entry */
    public static LlmqConfig parse(String yaml, Map<String, String> env) {
        return parse(yaml, env, ConfigScope.ROUTING);
    }

    /** @throws ConfigException when the text is invalid; the message names the entry */
    public static LlmqConfig parse(String yaml, Map<String, String> env, ConfigScope scope) {
        return new ConfigParser(env, scope).parse(yaml);
    }
}
