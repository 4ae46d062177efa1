package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A role reads only what it needs: the names scope never touches a provider's endpoint or secret. */
class ConfigScopeTest {

    private static final String YAML = """
            model_list:
              - model_name: gpt-4o
                litellm_params:
                  model: azure/gpt-4o-eu
                  api_base: os.environ/AZURE_API_BASE
                  api_key: os.environ/AZURE_API_KEY
              - model_name: claude
                litellm_params:
                  model: anthropic/claude-sonnet-4-5
                  api_key: os.environ/ANTHROPIC_API_KEY
            router_settings:
              fallbacks: [{gpt-4o: [claude]}]
            llmq:
              kafka:
                sasl.jaas.config: os.environ/KAFKA_JAAS
              ingest:
                max_body_bytes: 4096
            """;

    @Test
    void theNamesScopeNeedsNoProviderSecrets() {
        LlmqConfig names = ConfigLoader.parse(YAML, Map.of("KAFKA_JAAS", "jaas"), ConfigScope.NAMES);

        assertThat(names.modelGroups()).containsExactly("gpt-4o", "claude");
        assertThat(names.deployments()).isEmpty();
        assertThat(names.router().fallbacks()).containsEntry("gpt-4o", java.util.List.of("claude"));
        assertThat(names.llmq().kafka()).containsEntry("sasl.jaas.config", "jaas");
        assertThat(names.llmq().ingest().maxBodyBytes()).isEqualTo(4096L);
    }

    @Test
    void theNamesScopeReportsUnsupportedKeysAsTheRoutingScopeDoes() {
        String typos = YAML.replace("router_settings:", "llmq_typo: 1\nlitellm_settings: { colour: red }\n"
                + "router_settings:\n  routing_strategy_typo: x");
        Map<String, String> env = Map.of("KAFKA_JAAS", "jaas", "AZURE_API_BASE", "https://eu.example.com",
                "AZURE_API_KEY", "k1", "ANTHROPIC_API_KEY", "k2");
        assertThat(ConfigLoader.parse(typos, env, ConfigScope.NAMES).unsupportedKeys())
                .containsExactlyInAnyOrderElementsOf(ConfigLoader.parse(typos, env, ConfigScope.ROUTING)
                        .unsupportedKeys())
                .contains("llmq_typo", "litellm_settings.colour", "router_settings.routing_strategy_typo");
    }

    @Test
    void theRoutingScopeStillRequiresThem() {
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of("KAFKA_JAAS", "jaas"), ConfigScope.ROUTING))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable AZURE_API_BASE is not set");
        LlmqConfig full = ConfigLoader.parse(YAML, Map.of("KAFKA_JAAS", "jaas", "AZURE_API_BASE",
                "https://eu.example.com", "AZURE_API_KEY", "k1", "ANTHROPIC_API_KEY", "k2"), ConfigScope.ROUTING);
        assertThat(full.deployments()).hasSize(2);
        assertThat(full.modelGroups()).containsExactly("gpt-4o", "claude");
    }

    @Test
    void theNamesScopeStillChecksWhatItReads() {
        String badFallback = YAML.replace("[{gpt-4o: [claude]}]", "[{gpt-4o: [nope]}]");
        assertThatThrownBy(() -> ConfigLoader.parse(badFallback, Map.of("KAFKA_JAAS", "j"), ConfigScope.NAMES))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> ConfigLoader.parse(YAML, Map.of(), ConfigScope.NAMES))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KAFKA_JAAS");
    }
}
