package dev.llmq.router;

import java.util.Map;

/** A minimal config with one key of {@code llmq.worker} set, or none, for the tests of single worker keys. */
final class WorkerSection {

    private WorkerSection() {
    }

    /** Parses a config with one model group and {@code llmq.worker.<key>: <value>} (left out when value is null). */
    static LlmqConfig with(String key, String value) {
        return ConfigLoader.parse("""
                model_list:
                  - model_name: g
                    litellm_params: { model: openai/gpt-4o, api_key: k }
                """ + (value == null ? "" : "llmq: { worker: { " + key + ": " + value + " } }\n"), Map.of());
    }
}
