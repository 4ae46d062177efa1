package dev.llmq.router.internal;

import java.util.Locale;
import java.util.Set;

/**
 * A LiteLLM model string split into provider and model: {@code openai/gpt-4o-mini}, {@code azure/my-deployment},
 * {@code hosted_vllm/meta-llama/Llama-3-8B} (the model keeps its own slashes).
 *
 * <p>Temporary: stands in for provider-lib's {@code ProviderModel.parse} until that exists.
 */
public record ModelRef(String provider, String model) {

    /** Providers llmq can call: native adapters and OpenAI-compatible servers. */
    public static final Set<String> KNOWN_PROVIDERS = Set.of(
            "openai", "azure", "anthropic", "gemini",
            "openai_compatible", "custom_openai", "hosted_vllm", "vllm", "ollama", "ollama_chat", "lm_studio",
            "groq", "together_ai", "deepseek", "mistral", "openrouter", "fireworks_ai", "perplexity", "xai",
            "deepinfra", "cerebras", "nvidia_nim", "llamafile", "mock");

    /**
     * Parses a model string. A model without a prefix is accepted only where LiteLLM infers the provider:
     * OpenAI's {@code gpt-*}, {@code o1/o3/o4*}, {@code chatgpt-*} and Anthropic's {@code claude-*}.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static ModelRef parse(String modelString) {
        if (modelString == null || modelString.isBlank()) {
            throw new IllegalArgumentException("model is empty");
        }
        String s = modelString.trim();
        int slash = s.indexOf('/');
        if (slash < 0) {
            String lower = s.toLowerCase(Locale.ROOT);
            if (lower.startsWith("gpt-") || lower.startsWith("chatgpt-") || lower.matches("o[134](-.*)?")) {
                return new ModelRef("openai", s);
            }
            if (lower.startsWith("claude-")) {
                return new ModelRef("anthropic", s);
            }
            throw new IllegalArgumentException("model '" + s + "' has no provider prefix (e.g. openai/" + s + ")");
        }
        String provider = s.substring(0, slash).toLowerCase(Locale.ROOT);
        String model = s.substring(slash + 1);
        if (!KNOWN_PROVIDERS.contains(provider)) {
            throw new IllegalArgumentException("unknown provider '" + s.substring(0, slash) + "' in model '" + s + "'");
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException("model '" + s + "' names no model after the provider");
        }
        return new ModelRef(provider, model);
    }
}
