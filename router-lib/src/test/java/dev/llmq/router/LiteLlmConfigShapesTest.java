package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Shapes of LiteLLM proxy configs that mean something in LiteLLM: llmq either does the same or refuses them with a
 * message that says what to write instead, never takes them in a meaning of its own. Here: fallbacks.
 */
class LiteLlmConfigShapesTest {

    private static final String GROUPS = """
            model_list:
              - model_name: gpt-4o
                litellm_params: { model: openai/gpt-4o }
                model_info: { id: gpt-4o-primary }
              - model_name: claude
                litellm_params: { model: anthropic/claude-sonnet-4-5 }
            """;

    @Test
    void aFallbacksEntryForAnyGroupIsLiteLlmsGenericFallback() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + "router_settings:\n  fallbacks: [{ '*': [claude] }]\n", Map.of());

        assertThat(c.router().genericFallbacksOf("gpt-4o")).containsExactly("claude");
        assertThat(c.router().contextWindowFallbacksOf("gpt-4o")).as("unset: the generic ones")
                .containsExactly("claude");
    }

    @Test
    void aFallbacksEntryForAnyGroupAndDefaultFallbacksTogetherAreRefused() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + """
                router_settings:
                  fallbacks: [{ '*': [claude] }]
                  default_fallbacks: [gpt-4o]
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("default_fallbacks is set too").hasMessageContaining("keep one");
    }

    @Test
    void aListOfGroupsAsFallbacksPointsToDefaultFallbacks() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "litellm_settings:\n  fallbacks: [claude]\n",
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("litellm_settings: fallbacks: expected a list of {model_group: "
                        + "[fallback groups]} maps, got the group 'claude' alone")
                .hasMessageContaining("default_fallbacks: [claude, ...]");
    }

    /** LiteLLM lets a fallback name a deployment's model_info.id; llmq falls back to groups and says so. */
    @Test
    void aFallbackToADeploymentIdSaysThatFallbacksNameGroups() {
        assertThatThrownBy(() -> ConfigLoader.parse(GROUPS + "router_settings:\n"
                + "  fallbacks: [{ claude: [gpt-4o-primary] }]\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("fallback to model group 'gpt-4o-primary' which does not exist "
                        + "('gpt-4o-primary' is a deployment's model_info.id: llmq falls back to model groups only");
    }

    @Test
    void typedFallbacksKeepTheirOwnEntriesAndAnyGroupEntry() {
        LlmqConfig c = ConfigLoader.parse(GROUPS + """
                router_settings:
                  fallbacks: [{ gpt-4o: [claude] }]
                  context_window_fallbacks: [{ '*': [claude] }]
                  content_policy_fallbacks: []
                """, Map.of());

        assertThat(c.router().contextWindowFallbacksOf("gpt-4o")).containsExactly("claude");
        assertThat(c.router().contentPolicyFallbacksOf("gpt-4o")).isEqualTo(List.of());
    }
}
