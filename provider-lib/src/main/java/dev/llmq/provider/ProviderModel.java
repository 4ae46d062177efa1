package dev.llmq.provider;

import dev.llmq.provider.openai.OpenAiCompatibleProviders;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A LiteLLM-style model string split into provider and model: {@code openai/gpt-4o-mini} → (openai, gpt-4o-mini),
 * {@code azure/my-deployment} → (azure, my-deployment), {@code openrouter/anthropic/claude-3.5-sonnet} →
 * (openrouter, anthropic/claude-3.5-sonnet). Only the first {@code /} separates. A bare name is OpenAI's
 * ({@code gpt-4o}), except {@code claude-*}, which LiteLLM routes to Anthropic.
 */
public record ProviderModel(String provider, String model) {

    /** Every provider prefix llmq understands. */
    public static final Set<String> KNOWN_PROVIDERS = known();

    public ProviderModel {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        if (provider.isBlank() || model.isBlank()) {
            throw new IllegalArgumentException("provider and model must not be blank");
        }
    }

    /**
     * Parses a model string.
     *
     * @throws IllegalArgumentException for a blank string, an empty model, or an unknown provider prefix (named)
     */
    public static ProviderModel parse(String modelString) {
        if (modelString == null || modelString.isBlank()) {
            throw new IllegalArgumentException("model string is blank");
        }
        String s = modelString.strip();
        int slash = s.indexOf('/');
        if (slash < 0) {
            return new ProviderModel(s.toLowerCase(Locale.ROOT).startsWith("claude-") ? "anthropic" : "openai", s);
        }
        String prefix = s.substring(0, slash).toLowerCase(Locale.ROOT);
        String model = s.substring(slash + 1);
        if (!KNOWN_PROVIDERS.contains(prefix)) {
            throw new IllegalArgumentException("unknown provider '" + s.substring(0, slash) + "' in model '" + s
                    + "'; known providers: " + KNOWN_PROVIDERS);
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException("model string '" + s + "' names no model after '" + prefix + "/'");
        }
        return new ProviderModel(prefix, model);
    }

    @Override
    public String toString() {
        return provider + "/" + model;
    }

    private static Set<String> known() {
        Set<String> names = new TreeSet<>(OpenAiCompatibleProviders.byName().keySet());
        names.add("azure");
        names.add("anthropic");
        names.add("gemini");
        return Set.copyOf(names);
    }
}
