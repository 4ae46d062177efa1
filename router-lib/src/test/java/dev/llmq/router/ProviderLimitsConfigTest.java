package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code llmq.providers}: parsed, validated and reported like the rest of the config. */
class ProviderLimitsConfigTest {

    private static final String MODELS = """
            model_list:
              - { model_name: g, litellm_params: { model: anthropic/claude-x }, model_info: { id: a } }
            """;

    @Test
    void readsProviderLimits() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  providers:
                    anthropic: { max_parallel_requests: 50, rpm: 4000, tpm: 400000 }
                    openai:    { max_parallel_requests: 200 }
                """, Map.of());

        assertThat(c.llmq().providers()).containsOnly(
                Map.entry("anthropic", new LlmqSettings.ProviderLimits(50, 4000L, 400_000L)),
                Map.entry("openai", new LlmqSettings.ProviderLimits(200, null, null)));
        assertThat(c.unsupportedKeys()).isEmpty();
    }

    @Test
    void noProvidersSectionMeansNoProviderLimits() {
        assertThat(ConfigLoader.parse(MODELS, Map.of()).llmq().providers()).isEmpty();
    }

    @Test
    void unknownKeysOfAnEntryAreReported() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  providers:
                    anthropic: { rpm: 10, burst: 5 }
                """, Map.of());

        assertThat(c.unsupportedKeys()).containsExactly("llmq.providers.anthropic.burst");
        assertThat(c.llmq().providers().get("anthropic").rpm()).isEqualTo(10L);
    }

    @Test
    void valuesResolveFromTheEnvironment() {
        LlmqConfig c = ConfigLoader.parse(MODELS + """
                llmq:
                  providers:
                    anthropic: { rpm: os.environ/ANTHROPIC_RPM }
                """, Map.of("ANTHROPIC_RPM", "123"));

        assertThat(c.llmq().providers().get("anthropic").rpm()).isEqualTo(123L);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown provider | nope: { rpm: 1 }                        | llmq.providers.nope: unknown provider 'nope'
            zero rpm         | anthropic: { rpm: 0 }                   | llmq.providers.anthropic.rpm must be >= 1, got 0
            negative tpm     | openai: { tpm: -5 }                     | llmq.providers.openai.tpm must be >= 1, got -5
            zero parallel    | openai: { max_parallel_requests: 0 }    | llmq.providers.openai.max_parallel_requests must be >= 1, got 0
            not a number     | anthropic: { rpm: lots }                | llmq.providers.anthropic.rpm: expected a long, got 'lots'
            fraction         | anthropic: { max_parallel_requests: 1.5 } | llmq.providers.anthropic.max_parallel_requests: expected an int, got 1.5
            not a map        | anthropic: 50                           | providers: anthropic: expected a map
            """)
    void invalidEntriesAreNamed(String name, String entry, String message) {
        String yaml = MODELS + "llmq:\n  providers:\n    " + entry + "\n";
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }
}
