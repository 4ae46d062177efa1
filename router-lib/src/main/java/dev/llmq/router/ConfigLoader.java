package dev.llmq.router;

import dev.llmq.router.internal.ConfigParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

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
        return parse(yaml, env, scope, LlmqSection.all());
    }

    /**
     * Reads what a role needs: the deployments as far as {@code scope} says, and the parts of {@code llmq:} it uses
     * ({@code reads}); a part it does not use is taken as absent when it names an unset variable.
     *
     * @throws ConfigException when the text is invalid; the message names the entry
     */
    public static LlmqConfig parse(String yaml, Map<String, String> env, ConfigScope scope,
                                   Set<LlmqSection> reads) {
        return parse(yaml, env, scope, reads, false);
    }

    /**
     * As above; with {@code leaveOutUnset}, a {@code model_list} entry that names an unset environment variable is
     * left out ({@link LlmqConfig#leftOut}) instead of failing the whole parse, as a reload does: one entry whose
     * secret this process lacks does not keep every later edit from applying.
     */
    public static LlmqConfig parse(String yaml, Map<String, String> env, ConfigScope scope,
                                   Set<LlmqSection> reads, boolean leaveOutUnset) {
        return new ConfigParser(env, scope, reads, leaveOutUnset).parse(yaml);
    }
}
