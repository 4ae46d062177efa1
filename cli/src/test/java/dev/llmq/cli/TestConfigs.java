package dev.llmq.cli;

import static org.awaitility.Awaitility.await;

import dev.llmq.router.ConfigLoader;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** Config files for tests: the standard model groups on a given mock LLM server, under a fresh topic prefix. */
final class TestConfigs {

    private TestConfigs() {
    }

    /** Standalone llmq with this config on the test run's broker, once it reports ready. */
    static Standalone startLlmq(Path config, Path dir, String bootstrap) {
        Standalone llmq = Standalone.start(new Standalone.Options(config, dir, "127.0.0.1", 0, 0, Map.of(), bootstrap));
        await().atMost(Duration.ofSeconds(60)).until(llmq::ready);
        return llmq;
    }

    /** Closes what a test started, in the order given, skipping what was never started. */
    static void closeAll(AutoCloseable... started) throws Exception {
        for (AutoCloseable component : started) {
            if (component != null) {
                component.close();
            }
        }
    }

    /**
     * A config with one model group and {@code llmq.auth.keys} set to {@code keys}: the YAML after {@code keys:}, a
     * flow list or a line break and block items indented by six spaces.
     */
    static LlmqConfig withKeys(String keys) {
        return ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/g, api_key: k }
                llmq:
                  auth:
                    keys:""" + " " + keys + "\n", Map.of(), ConfigScope.NAMES);
    }

    static String uniquePrefix() {
        return "it" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /**
     * The standard model groups on the test's own mock server. No {@code llmq.mock_llm}: a role with this config
     * starts no mock of its own.
     */
    static Path write(Path dir, String mockOpenAiBase, String topicPrefix) throws IOException {
        return write(dir, mockOpenAiBase, topicPrefix, "");
    }

    /** As {@link #write(Path, String, String)}, with more {@code llmq:} settings (one YAML line, e.g. a flow map). */
    static Path write(Path dir, String mockOpenAiBase, String topicPrefix, String llmqLine) throws IOException {
        String yaml = """
                model_list:
                  - model_name: gpt-4o-mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: test-key, weight: 2 }
                    model_info: { id: mini-a }
                  - model_name: gpt-4o-mini
                    litellm_params: { model: openai/gpt-4o-mini, api_base: %1$s, api_key: test-key, weight: 1 }
                    model_info: { id: mini-b }
                  - model_name: gpt-4o
                    litellm_params: { model: openai/gpt-4o, api_base: %1$s, api_key: test-key }
                    model_info: { id: big }
                router_settings: { routing_strategy: simple-shuffle, num_retries: 2 }
                llmq:
                  topics: { prefix: %2$s, partitions: 3 }
                  %3$s
                """.formatted(mockOpenAiBase, topicPrefix, llmqLine);
        Path file = dir.resolve("llmq-" + topicPrefix + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
