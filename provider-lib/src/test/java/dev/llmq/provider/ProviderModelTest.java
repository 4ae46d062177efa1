package dev.llmq.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
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
                .hasMessageContaining("unknown provider '" + prefix + "'")
                .hasMessageContaining("known providers: [anthropic, azure, cerebras, custom_openai,");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "openai/", "azure/  "})
    void blankOrMissingModelIsRejected(String input) {
        assertThatThrownBy(() -> ProviderModel.parse(input)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Which bare names imply which provider; an empty provider column means none is inferred. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "gpt-4o, openai",
            "GPT-4o-mini, openai",
            "gpt-5-chat-latest, openai",
            "chatgpt-4o-latest, openai",
            "o1, openai",
            "o3-mini, openai",
            "o4-mini-2025-04-16, openai",
            "'  o3  ', openai",
            "claude-sonnet-4-5, anthropic",
            "Claude-3-5-haiku-latest, anthropic",
            "o2,",
            "o3mini,",
            "omni-moderation-latest,",
            "gpt4o,",
            "claude,",
            "llama3,",
            "gemini-2.5-flash,",
            "text-embedding-3-small,",
            "openai/gpt-4o,",
    })
    void bareNamesImplyTheirProviderAsLiteLlmInfersIt(String bareModel, String provider) {
        assertThat(ProviderModel.inferProvider(bareModel)).isEqualTo(Optional.ofNullable(provider));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt-4o", "o3-mini", "claude-sonnet-4-5", "openai/gpt-4o", "hosted_vllm/llama3",
            "  OpenAI/gpt-4o  "})
    void strictParseAcceptsPrefixedAndInferableNamesAsParseDoes(String input) {
        assertThat(ProviderModel.parseStrict(input)).isEqualTo(ProviderModel.parse(input));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama3", "gemini-2.5-flash", "gpt4o", "mistral-large-latest"})
    void strictParseRejectsABareNameWithNoInferableProvider(String input) {
        assertThat(ProviderModel.parse(input)).as("parse sends it to the default provider")
                .isEqualTo(new ProviderModel(ProviderModel.DEFAULT_PROVIDER, input));
        assertThatThrownBy(() -> ProviderModel.parseStrict(input)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model '" + input + "' has no provider prefix (e.g. openai/" + input + ")");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "   "})
    void strictParseNamesAnEmptyModel(String input) {
        assertThatThrownBy(() -> ProviderModel.parseStrict(input)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo/bar", "openai/"})
    void strictParseRejectsWhatParseRejects(String input) {
        assertThatThrownBy(() -> ProviderModel.parse(input)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProviderModel.parseStrict(input)).isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.api.Test
    void everyKnownProviderButAnthropicAndGeminiHasABuiltInAdapter() {
        var adapters = Providers.adapters(java.time.Clock.systemUTC());
        assertThat(ProviderModel.KNOWN_PROVIDERS).containsAll(adapters.keySet());
        assertThat(adapters.keySet()).contains("openai", "azure", "hosted_vllm", "groq", "ollama_chat");
    }
}
