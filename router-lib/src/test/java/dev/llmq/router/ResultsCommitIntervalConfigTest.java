package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.LlmqKeys;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code llmq.worker.results_commit_interval_ms}: read from the config, defaulted, and refused below 10 ms. */
class ResultsCommitIntervalConfigTest {

    private static final String BASE = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k }
            """;

    @Test
    void theIntervalIsReadFromTheWorkerSection() {
        LlmqConfig config = ConfigLoader.parse(BASE + """
                llmq:
                  worker:
                    results_commit_interval_ms: 100
                """, Map.of());

        assertThat(config.llmq().worker().resultsCommitIntervalMs()).isEqualTo(100);
    }

    @Test
    void unsetItIsTheKeysDefault() {
        assertThat(ConfigLoader.parse(BASE, Map.of()).llmq().worker().resultsCommitIntervalMs())
                .isEqualTo(LlmqKeys.WORKER_RESULTS_COMMIT_INTERVAL_MS.defaultValue()).isEqualTo(100);
    }

    @Test
    void anIntervalBelowTenMillisecondsIsRefusedNotClamped() {
        assertThatThrownBy(() -> ConfigLoader.parse(BASE + """
                llmq:
                  worker:
                    results_commit_interval_ms: 5
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("results_commit_interval_ms");
    }
}
