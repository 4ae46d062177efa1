package dev.llmq.cli;

import dev.llmq.router.ConfigLoader;
import dev.llmq.router.ConfigWatcher;
import dev.llmq.router.LlmqConfig;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.TopicNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The config file a role runs with: the user's {@code --config}, or the bundled one that serves {@code gpt-4o-mini}
 * and {@code gpt-4o} from the built-in mock LLM server.
 *
 * @param path the file, or null for the bundled config
 * @param text the file's content
 */
record LoadedConfig(Path path, String text) {

    /** The environment variable through which a config reaches the in-process mock LLM server. */
    static final String MOCK_URL_VARIABLE = "LLMQ_MOCK_LLM_URL";
    static final String BUNDLED = "dev/llmq/cli/default-config.yaml";
    /** Stands in for the mock's URL in roles that only read names and settings from the config (broker, ingest). */
    static final String NO_MOCK_LLM = "http://127.0.0.1:1/v1";

    static LoadedConfig read(Path path) {
        if (path == null) {
            try (InputStream in = LoadedConfig.class.getClassLoader().getResourceAsStream(BUNDLED)) {
                if (in == null) {
                    throw new IllegalStateException("the bundled config " + BUNDLED + " is missing from the jar");
                }
                return new LoadedConfig(null, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("config file not found: " + path);
        }
        try {
            return new LoadedConfig(path, Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config " + path, e);
        }
    }

    /** Whether the config's deployments point at the in-process mock LLM server (the bundled config does). */
    boolean needsMockLlm(Map<String, String> env) {
        return text.contains("os.environ/" + MOCK_URL_VARIABLE) && !env.containsKey(MOCK_URL_VARIABLE);
    }

    /** Parses the config with the environment, plus the mock server's URL when one runs in this process. */
    LlmqConfig parse(Map<String, String> env, String mockLlmUrl) {
        Map<String, String> effective = effectiveEnv(env, mockLlmUrl);
        return path == null ? ConfigLoader.parse(text, effective) : ConfigLoader.load(path, effective);
    }

    /**
     * The mock URL a role that never calls a provider parses with: the placeholder when the config refers to the
     * mock, else none.
     */
    String placeholderMockUrl(Map<String, String> env) {
        return needsMockLlm(env) ? NO_MOCK_LLM : null;
    }

    /** The environment the config's {@code os.environ/NAME} references resolve against. */
    static Map<String, String> effectiveEnv(Map<String, String> env, String mockLlmUrl) {
        Map<String, String> effective = new HashMap<>(env);
        if (mockLlmUrl != null) {
            effective.put(MOCK_URL_VARIABLE, mockLlmUrl);
        }
        return Map.copyOf(effective);
    }

    /**
     * Watches a user's config file and hands every valid new version to {@code onChange} (an invalid one is logged
     * and ignored); null for the bundled config, which cannot change.
     */
    ConfigWatcher watch(Map<String, String> env, String mockLlmUrl, Consumer<LlmqConfig> onChange) {
        if (path == null) {
            return null;
        }
        ConfigWatcher watcher = new ConfigWatcher(path, effectiveEnv(env, mockLlmUrl), ConfigWatcher.DEFAULT_INTERVAL,
                onChange);
        watcher.start();
        return watcher;
    }

    String describe() {
        return path == null ? "bundled config (mock LLM)" : path.toString();
    }

    /** Creates the topics the config names (prefix, partitions, replication factor) on the given cluster. */
    static java.util.List<String> ensureTopics(LlmqConfig config, String bootstrapServers, java.time.Duration timeout)
            throws InterruptedException {
        var settings = config.llmq().topics();
        return new TopicProvisioner(Map.of("bootstrap.servers", bootstrapServers), topics(config),
                settings.partitions(), settings.replicationFactor()).ensureTopics(timeout);
    }

    static TopicNames topics(LlmqConfig config) {
        return new TopicNames(config.llmq().topics().prefix());
    }

    /** Kafka client properties from the config's {@code llmq.kafka} section, minus the bootstrap servers. */
    static Map<String, String> kafkaProperties(LlmqConfig config) {
        Map<String, String> props = new HashMap<>(config.llmq().kafka());
        props.remove("bootstrap.servers");
        return props;
    }
}
