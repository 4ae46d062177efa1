package dev.llmq.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Config files for tests: the standard model groups on a given mock LLM server, under a fresh topic prefix. */
final class TestConfigs {

    private TestConfigs() {
    }

    static String uniquePrefix() {
        return "it" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    static Path write(Path dir, String mockOpenAiBase, String topicPrefix) throws IOException {
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
                """.formatted(mockOpenAiBase, topicPrefix);
        Path file = dir.resolve("llmq-" + topicPrefix + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
