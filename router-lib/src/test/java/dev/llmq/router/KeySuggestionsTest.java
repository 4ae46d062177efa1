package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeySuggestionsTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(nullValues = "-", delimiter = '|', textBlock = """
            router_setings                                   | router_settings
            router_settings.num_retrys                       | router_settings.num_retries
            llmq.worker.max_inflight                         | llmq.worker.max_in_flight
            llmq.ingest.max_body_byte                        | llmq.ingest.max_body_bytes
            lmq                                              | llmq
            model_list[3].litellm_params.timout              | model_list[3].litellm_params.timeout
            model_list[0].litellm_parms                      | model_list[0].litellm_params
            llmq.providers.anthropic.max_parallel_request    | llmq.providers.anthropic.max_parallel_requests
            llmq.auth.keys[1].rpm_limt                       | llmq.auth.keys[1].rpm_limit
            general_settings.master_key                      | -
            colour                                           | -
            llmq.worker.rpm                                  | -
            """)
    void namesTheSupportedKeyAMisspeltOneIsNear(String key, String meant) {
        assertThat(KeySuggestions.suggest(key).orElse(null)).isEqualTo(meant);
    }

    /** The keys the parser reports are those the suggestions read: a misspelt section is found as it reports it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            router_setings: { num_retries: 2 }                          | router_setings (did you mean router_settings?)
            'llmq: { worker: { max_inflight: 2 } }'                     | llmq.worker.max_inflight (did you mean llmq.worker.max_in_flight?)
            """)
    void describesWhatTheParserReports(String yaml, String described) {
        String config = "model_list:\n  - model_name: g\n    litellm_params: { model: openai/gpt-4o }\n" + yaml + "\n";
        assertThat(ConfigLoader.parse(config, Map.of()).unsupportedKeys()).map(KeySuggestions::describe)
                .containsExactly(described);
    }
}
