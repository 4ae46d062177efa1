package dev.llmq.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointTest {

    static ProviderTarget target(String provider, String model, String base, String key, String version) {
        return ProviderTarget.builder(provider, model).apiBase(base == null ? null : URI.create(base)).apiKey(key)
                .apiVersion(version).build();
    }

    @ParameterizedTest(name = "{0} {2}")
    @CsvSource(nullValues = "-", value = {
            "openai, gpt-4o, -, https://api.openai.com/v1/chat/completions",
            "openai, gpt-4o, http://127.0.0.1:9/v1/, http://127.0.0.1:9/v1/chat/completions",
            "groq, llama, -, https://api.groq.com/openai/v1/chat/completions",
            "hosted_vllm, m, http://vllm:8000/v1, http://vllm:8000/v1/chat/completions",
            "ollama_chat, llama3, http://localhost:11434, http://localhost:11434/v1/chat/completions",
            "ollama_chat, llama3, http://localhost:11434/v1, http://localhost:11434/v1/chat/completions",
            "ollama, llama3, -, http://localhost:11434/v1/chat/completions",
            "openrouter, a/b, -, https://openrouter.ai/api/v1/chat/completions",
    })
    void compatibleUris(String provider, String model, String base, String expected) {
        CompatibleProvider p = OpenAiCompatibleProviders.byName().get(provider);
        assertThat(p.chatCompletionsUri(target(provider, model, base, null, null))).hasToString(expected);
    }

    @Test
    void bearerAuthOnlyWithAKey() {
        CompatibleProvider openai = OpenAiCompatibleProviders.byName().get("openai");
        assertThat(openai.headers(target("openai", "m", null, "sk-x", null)))
                .isEqualTo(Map.of("Authorization", "Bearer sk-x"));
        assertThat(openai.headers(target("openai", "m", null, null, null))).isEmpty();
    }

    @Test
    void apiBaseRequiredWhereThereIsNoDefault() {
        CompatibleProvider vllm = OpenAiCompatibleProviders.byName().get("hosted_vllm");
        assertThatThrownBy(() -> vllm.chatCompletionsUri(target("hosted_vllm", "m", null, null, null)))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST))
                .hasMessageContaining("api_base");
    }

    @ParameterizedTest(name = "{1} {2}")
    @CsvSource(nullValues = "-", value = {
            "my-dep, https://res.openai.azure.com, 2024-10-21, https://res.openai.azure.com/openai/deployments/my-dep/chat/completions?api-version=2024-10-21",
            "my-dep, https://res.openai.azure.com/, -, https://res.openai.azure.com/openai/deployments/my-dep/chat/completions?api-version=2024-10-21",
            "my dep, https://res.openai.azure.com/openai, 2025-01-01-preview, https://res.openai.azure.com/openai/deployments/my%20dep/chat/completions?api-version=2025-01-01-preview",
            "my-dep, https://res.openai.azure.com, v1, https://res.openai.azure.com/openai/v1/chat/completions",
            "my-dep, https://res.openai.azure.com/openai/v1/, -, https://res.openai.azure.com/openai/v1/chat/completions",
            "my-dep, https://res.openai.azure.com, preview, https://res.openai.azure.com/openai/v1/chat/completions?api-version=preview",
    })
    void azureUris(String deployment, String base, String version, String expected) {
        AzureEndpoint azure = new AzureEndpoint();
        assertThat(azure.chatCompletionsUri(target("azure", deployment, base, "k", version))).hasToString(expected);
        assertThat(azure.headers(target("azure", deployment, base, "k", version))).isEqualTo(Map.of("api-key", "k"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
            "2024-06-01, false", "2024-08-01-preview, false", "2024-09-01-preview, true", "2024-10-21, true",
            "v1, true", "-, true"})
    void azureStreamUsageDependsOnVersion(String version, boolean expected) {
        assertThat(new AzureEndpoint().supportsStreamUsage(target("azure", "d", "https://r.openai.azure.com", "k",
                version))).isEqualTo(expected);
    }

    @Test
    void azureNeedsApiBase() {
        assertThatThrownBy(() -> new AzureEndpoint().chatCompletionsUri(target("azure", "d", null, "k", null)))
                .isInstanceOf(ProviderException.class).hasMessageContaining("api_base");
    }
}
