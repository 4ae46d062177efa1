package dev.llmq.provider.pricing;

/**
 * The per-token prices llmq reads from a LiteLLM price table entry, each under the key LiteLLM spells it. Kept as
 * data (one constant per key) so that the parser, the overrides and the cost rule name the same keys; prices the
 * table has that llmq does not apply (audio, images, priority or flex tiers) are not listed.
 */
public enum Rate {
    INPUT("input_cost_per_token"),
    OUTPUT("output_cost_per_token"),
    CACHE_READ("cache_read_input_token_cost"),
    CACHE_CREATION("cache_creation_input_token_cost"),
    /** A write to a 1-hour cache (Anthropic's {@code "ttl": "1h"}); {@link #CACHE_CREATION} is the 5-minute one. */
    CACHE_CREATION_1H("cache_creation_input_token_cost_above_1hr"),
    REASONING("output_cost_per_reasoning_token"),
    INPUT_ABOVE_200K("input_cost_per_token_above_200k_tokens"),
    OUTPUT_ABOVE_200K("output_cost_per_token_above_200k_tokens"),
    CACHE_READ_ABOVE_200K("cache_read_input_token_cost_above_200k_tokens"),
    CACHE_CREATION_ABOVE_200K("cache_creation_input_token_cost_above_200k_tokens"),
    CACHE_CREATION_1H_ABOVE_200K("cache_creation_input_token_cost_above_1hr_above_200k_tokens"),
    INPUT_BATCHES("input_cost_per_token_batches"),
    OUTPUT_BATCHES("output_cost_per_token_batches");

    private final String key;

    Rate(String key) {
        this.key = key;
    }

    /** The entry's field name in LiteLLM's {@code model_prices_and_context_window.json}. */
    public String key() {
        return key;
    }
}
