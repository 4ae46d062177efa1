package dev.llmq.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderModelTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "openai/gpt-4o-mini, openai, gpt-4o-mini",
            "gpt-4o, openai, gpt-4o",
            "o3-mini, openai, o3-mini",
            "claude-sonnet-4-5, anthropic, claude-sonnet-4-5",
            "azure/my-gpt4o-deployment, azure, my-gpt4o-deployment",
            "anthropic/claude-sonnet-4-5, anthropic, claude-sonnet-4-5",
            "gemini/gemini-2.5-flash, gemini, gemini-2.5-flash",
            "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct, hosted_vllm, meta-llama/Llama-3.1-8B-Instruct",
            "ollama_chat/llama3.1, ollama_chat, llama3.1",
            "ollama/llama3.1, ollama, llama3.1",
            "groq/llama-3.3-70b-versatile, groq, llama-3.3-70b-versatile",
            "deepseek/deepseek-chat, deepseek, deepseek-chat",
            "mistral/mistral-large-latest, mistral, mistral-large-latest",
            "together_ai/meta-llama/Llama-3-70b-chat-hf, together_ai, meta-llama/Llama-3-70b-chat-hf",
            "openrouter/anthropic/claude-3.5-sonnet, openrouter, anthropic/claude-3.5-sonnet",
            "OpenAI/gpt-4o, openai, gpt-4o",
            "'  openai/gpt-4o  ', openai, gpt-4o",
    })
    void parsesLikeLiteLlm(String input, String provider, String model) {
        assertThat(ProviderModel.parse(input)).isEqualTo(new ProviderModel(provider, model));
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo/bar", "meta-llama/Llama-3-8b", "vertexx/gemini"})
    void unknownPrefixIsNamed(String input) {
        String prefix = input.substring(0, input.indexOf('/'));
        assertThatThrownBy(() -> ProviderModel.parse(input))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown provider '" + prefix + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "openai/", "azure/  "})
    void blankOrMissingModelIsRejected(String input) {
        assertThatThrownBy(() -> ProviderModel.parse(input)).isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.api.Test
    void everyKnownProviderButAnthropicAndGeminiHasABuiltInAdapter() {
        var adapters = Providers.adapters(java.time.Clock.systemUTC());
        assertThat(ProviderModel.KNOWN_PROVIDERS).containsAll(adapters.keySet());
        assertThat(adapters.keySet()).contains("openai", "azure", "hosted_vllm", "groq", "ollama_chat");
    }
}
