package dev.llmq.provider.pricing;

import dev.llmq.schemas.TokenUsage;
import java.util.Objects;
import java.util.Set;

/**
 * One model's prices (USD per token) and limits. Null means "not given". Prompt tokens read from cache are priced at
 * {@code cacheReadInputTokenCost} (else the input price); reasoning tokens, which OpenAI counts inside completion
 * tokens, at {@code outputCostPerReasoningToken} (else the output price). When a request's prompt exceeds 200k
 * tokens and the model has {@code *_above_200k_tokens} prices, those apply to the whole request.
 *
 * @param key the table key ({@code gpt-4o}, {@code azure/gpt-4o} ...), or a deployment name for overrides
 * @param capabilities the {@code supports_*} flags that are true, without the prefix ({@code vision},
 *                     {@code function_calling} ...)
 */
public record ModelPrice(String key, String provider, String mode, Long maxInputTokens, Long maxOutputTokens,
                         Double inputCostPerToken, Double outputCostPerToken, Double cacheReadInputTokenCost,
                         Double cacheCreationInputTokenCost, Double outputCostPerReasoningToken,
                         Double inputCostPerTokenAbove200k, Double outputCostPerTokenAbove200k,
                         Set<String> capabilities) {

    static final long TIER_THRESHOLD = 200_000;

    public ModelPrice {
        Objects.requireNonNull(key, "key");
        capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
        for (Double d : new Double[] {inputCostPerToken, outputCostPerToken, cacheReadInputTokenCost,
                cacheCreationInputTokenCost, outputCostPerReasoningToken, inputCostPerTokenAbove200k,
                outputCostPerTokenAbove200k}) {
            if (d != null && (d < 0 || d.isNaN() || d.isInfinite())) {
                throw new IllegalArgumentException("prices must be finite and >= 0 for " + key);
            }
        }
    }

    /** A price for a deployment that has no table entry. */
    public static ModelPrice of(String key, double inputCostPerToken, double outputCostPerToken) {
        return new ModelPrice(key, null, "chat", null, null, inputCostPerToken, outputCostPerToken, null, null, null,
                null, null, Set.of());
    }

    /** This price with a deployment's own input / output prices (null keeps the table's). */
    public ModelPrice withOverrides(Double inputCost, Double outputCost) {
        return new ModelPrice(key, provider, mode, maxInputTokens, maxOutputTokens,
                inputCost != null ? inputCost : inputCostPerToken, outputCost != null ? outputCost : outputCostPerToken,
                cacheReadInputTokenCost, cacheCreationInputTokenCost, outputCostPerReasoningToken,
                inputCost != null ? null : inputCostPerTokenAbove200k,
                outputCost != null ? null : outputCostPerTokenAbove200k, capabilities);
    }

    public boolean supports(String capability) {
        return capabilities.contains(capability);
    }

    /** Whether both input and output prices are known. */
    public boolean priced() {
        return inputCostPerToken != null && outputCostPerToken != null;
    }

    /** The cost in USD of one call's usage; unknown prices count as 0. */
    public double cost(TokenUsage usage) {
        boolean tier = usage.promptTokens() > TIER_THRESHOLD;
        double input = orZero(tier && inputCostPerTokenAbove200k != null ? inputCostPerTokenAbove200k : inputCostPerToken);
        double output = orZero(tier && outputCostPerTokenAbove200k != null ? outputCostPerTokenAbove200k
                : outputCostPerToken);
        double cacheRead = cacheReadInputTokenCost != null ? cacheReadInputTokenCost : input;
        double reasoning = outputCostPerReasoningToken != null ? outputCostPerReasoningToken : output;
        long cached = Math.min(usage.cachedPromptTokens(), usage.promptTokens());
        long reasoningTokens = Math.min(usage.reasoningTokens(), usage.completionTokens());
        return (usage.promptTokens() - cached) * input + cached * cacheRead
                + (usage.completionTokens() - reasoningTokens) * output + reasoningTokens * reasoning;
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }
}
