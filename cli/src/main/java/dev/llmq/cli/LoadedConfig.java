package dev.llmq.cli;

import dev.llmq.router.ConfigException;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.ConfigWatcher;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.LlmqSection;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.schemas.TopicNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The config file a role runs with: the user's {@code --config}, or the bundled one that serves {@code gpt-4o-mini}
 * and {@code gpt-4o} from the built-in mock LLM server ({@code llmq.mock_llm.enabled}). Read once; each parse reads
 * this text, so that the scopes a role reads agree.
 *
 * @param path the file, or null for the bundled config
 * @param text the file's content
 */
record LoadedConfig(Path path, String text) {

    /**
     * The environment variable through which a config reaches the in-process mock LLM server, set by the roles that
     * call providers when the config enables {@code llmq.mock_llm}.
     */
    static final String MOCK_URL_VARIABLE = "LLMQ_MOCK_LLM_URL";
    static final String BUNDLED = "dev/llmq/cli/default-config.yaml";

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
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("config " + path + " is a directory; give the YAML file in it");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("config file not found: " + path);
        }
        try {
            return new LoadedConfig(path, Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw cannotRead(path, e);
        }
    }

    /** Says why {@code path} could not be read: "permission denied" and the like, not just that it failed. */
    static UncheckedIOException cannotRead(Path path, IOException e) {
        String why = switch (e) {
            case java.nio.file.AccessDeniedException denied -> "permission denied";
            case java.nio.charset.CharacterCodingException coding -> "not UTF-8 text";
            case java.nio.file.FileSystemException fs when fs.getReason() != null -> fs.getReason();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return new UncheckedIOException("cannot read config " + path + ": " + why, e);
    }

    /**
     * Parses the config as far as {@code scope} reaches, with {@code os.environ/NAME} references resolved against
     * {@code env}. Errors in a user's file are prefixed with its path.
     *
     * @throws ConfigException when the config is invalid or names an unset variable the scope reads
     */
    LlmqConfig parse(Map<String, String> env, ConfigScope scope) {
        return parse(env, scope, LlmqSection.all());
    }

    /**
     * As {@link #parse(Map, ConfigScope)}, for a caller that uses only the parts of {@code llmq:} in {@code reads}:
     * a part it does not use is taken as absent when it names an unset variable ({@link LlmqSection}).
     */
    LlmqConfig parse(Map<String, String> env, ConfigScope scope, Set<LlmqSection> reads) {
        try {
            return ConfigLoader.parse(text, env, scope, reads);
        } catch (ConfigException e) {
            throw path == null ? e : new ConfigException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Watches a user's config file and hands every valid new version, read in {@code scope} and as far as
     * {@code reads} goes, to {@code onChange} (an invalid one is logged and ignored); null for the bundled config,
     * which cannot change.
     */
    ConfigWatcher watch(Map<String, String> env, ConfigScope scope, Set<LlmqSection> reads,
                        Consumer<LlmqConfig> onChange) {
        if (path == null) {
            return null;
        }
        // compare against the text this role started with, so an edit made while it started is not missed
        ConfigWatcher watcher = new ConfigWatcher(path, env, scope, reads, ConfigWatcher.DEFAULT_INTERVAL, onChange,
                text.getBytes(StandardCharsets.UTF_8));
        watcher.start();
        return watcher;
    }

    String describe() {
        return path == null ? "bundled config (mock LLM)" : path.toString();
    }

    /**
     * Creates the topics the config names (prefix, partitions, replication factor) on the given cluster, with the
     * config's Kafka client properties (security settings included).
     */
    static List<String> ensureTopics(LlmqConfig config, String bootstrapServers, Duration timeout)
            throws InterruptedException {
        return provisioner(config, bootstrapServers).ensureTopics(timeout);
    }

    /** llmq's topics as the config shapes them (prefix, partitions, replication factor), on the given cluster. */
    static TopicProvisioner provisioner(LlmqConfig config, String bootstrapServers) {
        var settings = config.llmq().topics();
        return new TopicProvisioner(clientProperties(config, bootstrapServers), topics(config),
                settings.partitions(), settings.replicationFactor());
    }

    static TopicNames topics(LlmqConfig config) {
        return new TopicNames(config.llmq().topics().prefix());
    }

    /**
     * The config's Kafka cluster, {@code llmq.kafka.bootstrap.servers} (which {@code KAFKA_BOOTSTRAP_SERVERS}
     * overrides), for a command given no {@code --bootstrap-servers}.
     *
     * @throws IllegalArgumentException when the config names none
     */
    static String bootstrapServers(LlmqConfig config) {
        String fromConfig = config.llmq().kafka().get("bootstrap.servers");
        if (fromConfig != null && !fromConfig.isBlank()) {
            return fromConfig;
        }
        throw new IllegalArgumentException("no Kafka cluster given: use --bootstrap-servers HOST:PORT, "
                + "KAFKA_BOOTSTRAP_SERVERS, or llmq.kafka.bootstrap.servers in the config");
    }

    /** Kafka client properties from the config's {@code llmq.kafka} section, minus the bootstrap servers. */
    static Map<String, String> kafkaProperties(LlmqConfig config) {
        Map<String, String> props = new HashMap<>(config.llmq().kafka());
        props.remove("bootstrap.servers");
        return props;
    }

    /**
     * Everything a Kafka client of this role is built with: the config's {@code llmq.kafka} section (and
     * {@code LLMQ_KAFKA_*}), TLS and SASL settings included, with the role's bootstrap servers.
     */
    static Map<String, String> clientProperties(LlmqConfig config, String bootstrapServers) {
        Map<String, String> props = kafkaProperties(config);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }
}
