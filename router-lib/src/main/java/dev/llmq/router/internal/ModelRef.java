package dev.llmq.router.internal;

import dev.llmq.provider.ProviderModel;
import java.util.Locale;

/**
 * A config's model string split into provider and model, by provider-lib's {@link ProviderModel#parse}, with one rule
 * stricter than it: a model without a prefix is accepted only where LiteLLM infers the provider (OpenAI's
 * {@code gpt-*}, {@code chatgpt-*}, {@code o1/o3/o4*}, Anthropic's {@code claude-*}), so a typo in a config file is
 * reported instead of being sent to OpenAI.
 */
public record ModelRef(String provider, String model) {

    /**
     * @throws IllegalArgumentException naming the problem
     */
    public static ModelRef parse(String modelString) {
        if (modelString == null || modelString.isBlank()) {
            throw new IllegalArgumentException("model is empty");
        }
        String s = modelString.trim();
        if (s.indexOf('/') < 0) {
            String lower = s.toLowerCase(Locale.ROOT);
            boolean inferred = lower.startsWith("gpt-") || lower.startsWith("chatgpt-") || lower.matches("o[134](-.*)?")
                    || lower.startsWith("claude-");
            if (!inferred) {
                throw new IllegalArgumentException("model '" + s + "' has no provider prefix (e.g. openai/" + s + ")");
            }
        }
        ProviderModel parsed = ProviderModel.parse(s);
        return new ModelRef(parsed.provider(), parsed.model());
    }
}
