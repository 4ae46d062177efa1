package dev.llmq.provider.pricing;

import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One model's prices (USD per token, exact decimals as the table writes them) and limits. A {@link Rate} missing
 * from {@code rates} is "not given". How one call's usage is priced is {@link #cost(TokenUsage, boolean)}.
 * The {@code *_ABOVE_TIER} rates apply to prompts of more than {@code tierThreshold} tokens: the entry's tier, read
 * from its {@code input_cost_per_token_above_<N>k_tokens} key (200,000 for most, 272,000 for gpt-5.4).
 *
 * @param key the table key ({@code gpt-4o}, {@code azure/gpt-4o} ...), or a deployment name for overrides
 * @param rates the prices the entry gives, each {@code >= 0}
 * @param capabilities the {@code supports_*} flags that are true, without the prefix ({@code vision},
 *                     {@code function_calling} ...)
 */
public record ModelPrice(String key, String provider, String mode, Long maxInputTokens, Long maxOutputTokens,
                         Map<Rate, BigDecimal> rates, Set<String> capabilities, long tierThreshold) {

    /** The tier of an entry that names none: prompts of more than 200,000 tokens. */
    public static final long DEFAULT_TIER_THRESHOLD = 200_000;
    private static final BigDecimal HALF = new BigDecimal("0.5");

    public ModelPrice {
        Objects.requireNonNull(key, "key");
        if (tierThreshold <= 0) {
            throw new IllegalArgumentException("tierThreshold must be > 0 for " + key + ", was " + tierThreshold);
        }
        capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
        rates = rates == null ? Map.of() : Map.copyOf(rates);
        rates.forEach((rate, price) -> {
            if (price.signum() < 0) {
                throw new IllegalArgumentException(rate.key() + " must be >= 0 for " + key + ", was " + price);
            }
        });
    }

    /** A price for a deployment that has no table entry. */
    public static ModelPrice of(String key, BigDecimal inputCostPerToken, BigDecimal outputCostPerToken) {
        return new ModelPrice(key, null, "chat", null, null,
                Map.of(Rate.INPUT, inputCostPerToken, Rate.OUTPUT, outputCostPerToken), Set.of(),
                DEFAULT_TIER_THRESHOLD);
    }

    /** Prices with the usual 200k tier. */
    public ModelPrice(String key, String provider, String mode, Long maxInputTokens, Long maxOutputTokens,
                      Map<Rate, BigDecimal> rates, Set<String> capabilities) {
        this(key, provider, mode, maxInputTokens, maxOutputTokens, rates, capabilities, DEFAULT_TIER_THRESHOLD);
    }

    /**
     * This price with a deployment's own input / output prices (null keeps the table's). An overridden price also
     * replaces the table's above-tier and batch variants of it (the deployment's price is the price); cache and
     * reasoning prices stay the table's.
     */
    public ModelPrice withOverrides(BigDecimal inputCost, BigDecimal outputCost) {
        Map<Rate, BigDecimal> m = new EnumMap<>(Rate.class);
        m.putAll(rates);
        if (inputCost != null) {
            m.put(Rate.INPUT, inputCost);
            m.remove(Rate.INPUT_ABOVE_TIER);
            m.remove(Rate.INPUT_BATCHES);
        }
        if (outputCost != null) {
            m.put(Rate.OUTPUT, outputCost);
            m.remove(Rate.OUTPUT_ABOVE_TIER);
            m.remove(Rate.OUTPUT_BATCHES);
        }
        return new ModelPrice(key, provider, mode, maxInputTokens, maxOutputTokens, m, capabilities, tierThreshold);
    }

    /** The price under {@code rate}, or null when the entry does not give it. */
    public BigDecimal rate(Rate rate) {
        return rates.get(rate);
    }

    public BigDecimal inputCostPerToken() {
        return rates.get(Rate.INPUT);
    }

    public BigDecimal outputCostPerToken() {
        return rates.get(Rate.OUTPUT);
    }

    public boolean supports(String capability) {
        return capabilities.contains(capability);
    }

    /** Whether both input and output prices are known. */
    public boolean priced() {
        return inputCostPerToken() != null && outputCostPerToken() != null;
    }

    /** {@link #cost(TokenUsage, boolean)} of a job that did not come in as a batch. */
    public BigDecimal cost(TokenUsage usage) {
        return cost(usage, false);
    }

    /**
     * The exact cost in USD of one call's usage:
     * uncached input × input + cache reads × cache-read (else input) + 5-minute cache writes × cache-creation
     * (else input) + 1-hour cache writes × {@code cache_creation_input_token_cost_above_1hr} (else cache-creation)
     * + (completion − reasoning) × output + reasoning × reasoning (else output); audio tokens, of the uncached
     * input and of the completion (not reasoning), at {@code input_cost_per_audio_token} /
     * {@code output_cost_per_audio_token} (else input / output; untiered, as in LiteLLM); the 1-hour writes are
     * {@link TokenUsage#cacheCreation1hTokens()}, the 5-minute ones the rest of the cache writes. A prompt
     * (cache reads and writes included, as LiteLLM counts it) of more than {@link #tierThreshold()} tokens switches
     * every rate that has an above-tier price ({@code *_above_200k_tokens}, {@code *_above_272k_tokens} ...) to it
     * (1-hour writes to {@code cache_creation_input_token_cost_above_1hr_above_200k_tokens}; as in LiteLLM, without
     * that price they keep their untiered one); xAI bills the tier from the threshold itself, so an {@code xai}
     * entry switches at exactly {@link #tierThreshold()} tokens too (LiteLLM's inclusive-threshold providers). A batch
     * job pays half of every rate, except that a rate with a
     * {@code *_batches} price pays that (when the tier has not replaced it). Token counts are clamped (cache
     * reads and writes to the prompt, 1-hour writes to the writes, reasoning to the completion); an unknown input or
     * output price counts as 0 ({@link #priced()} says whether they are known).
     */
    public BigDecimal cost(TokenUsage usage, boolean batch) {
        boolean tier = usage.promptTokens() > tierThreshold
                || usage.promptTokens() == tierThreshold && "xai".equalsIgnoreCase(provider);
        BigDecimal input = orZero(effective(Rate.INPUT, Rate.INPUT_ABOVE_TIER, Rate.INPUT_BATCHES, tier, batch));
        BigDecimal output = orZero(effective(Rate.OUTPUT, Rate.OUTPUT_ABOVE_TIER, Rate.OUTPUT_BATCHES, tier, batch));
        BigDecimal cacheRead = orElse(effective(Rate.CACHE_READ, Rate.CACHE_READ_ABOVE_TIER, null, tier, batch), input);
        BigDecimal cacheCreation = orElse(
                effective(Rate.CACHE_CREATION, Rate.CACHE_CREATION_ABOVE_TIER, null, tier, batch), input);
        BigDecimal cacheCreation1h = orElse(
                effective(Rate.CACHE_CREATION_1H, Rate.CACHE_CREATION_1H_ABOVE_TIER, null, tier, batch), cacheCreation);
        BigDecimal reasoning = orElse(effective(Rate.REASONING, null, null, tier, batch), output);
        BigDecimal audioIn = orElse(effective(Rate.INPUT_AUDIO, null, null, false, batch), input);
        BigDecimal audioOut = orElse(effective(Rate.OUTPUT_AUDIO, null, null, false, batch), output);

        long prompt = usage.promptTokens();
        long cached = Math.min(usage.cachedPromptTokens(), prompt);
        long written = Math.min(usage.cacheCreationTokens(), prompt - cached);
        long written1h = Math.min(usage.cacheCreation1hTokens(), written);
        long reasoningTokens = Math.min(usage.reasoningTokens(), usage.completionTokens());
        long audioPrompt = Math.min(usage.audioPromptTokens(), prompt - cached - written);
        long audioCompletion = Math.min(usage.audioCompletionTokens(), usage.completionTokens() - reasoningTokens);
        BigDecimal total = times(prompt - cached - written - audioPrompt, input)
                .add(times(audioPrompt, audioIn))
                .add(times(cached, cacheRead))
                .add(times(written - written1h, cacheCreation))
                .add(times(written1h, cacheCreation1h))
                .add(times(usage.completionTokens() - reasoningTokens - audioCompletion, output))
                .add(times(audioCompletion, audioOut))
                .add(times(reasoningTokens, reasoning));
        return total.signum() == 0 ? BigDecimal.ZERO : total.stripTrailingZeros();
    }

    /** One rate as it applies to this call, or null when the entry has no such price. */
    private BigDecimal effective(Rate base, Rate aboveTier, Rate batches, boolean tier, boolean batch) {
        BigDecimal tiered = tier && aboveTier != null ? rates.get(aboveTier) : null;
        if (tiered != null) {
            return batch ? tiered.multiply(HALF) : tiered;
        }
        BigDecimal plain = rates.get(base);
        if (plain == null || !batch) {
            return plain;
        }
        BigDecimal batchPrice = batches == null ? null : rates.get(batches);
        return batchPrice != null ? batchPrice : plain.multiply(HALF);
    }

    private static BigDecimal times(long tokens, BigDecimal price) {
        return tokens == 0 ? BigDecimal.ZERO : price.multiply(BigDecimal.valueOf(tokens));
    }

    private static BigDecimal orZero(BigDecimal d) {
        return d == null ? BigDecimal.ZERO : d;
    }

    private static BigDecimal orElse(BigDecimal d, BigDecimal fallback) {
        return d == null ? fallback : d;
    }
}
