package dev.llmq.provider.pricing;

/**
 * The per-token prices llmq reads from a LiteLLM price table entry, each under the key LiteLLM spells it. Kept as
 * data (one constant per key) so that the parser, the overrides and the cost rule name the same keys; prices the
 * table has that llmq does not apply (images, audio per second, priority or flex tiers) are not listed. The
 * {@code *_ABOVE_TIER} rates are those of prompts above the entry's token tier, spelled with it
 * ({@link #key(String)}): {@code input_cost_per_token_above_200k_tokens} for most models, {@code _above_272k_tokens}
 * for gpt-5.4, {@code _above_128k_tokens} for gemini-1.5-flash.
 */
public enum Rate {
    INPUT("input_cost_per_token"),
    OUTPUT("output_cost_per_token"),
    CACHE_READ("cache_read_input_token_cost"),
    CACHE_CREATION("cache_creation_input_token_cost"),
    /** A write to a 1-hour cache (Anthropic's {@code "ttl": "1h"}); {@link #CACHE_CREATION} is the 5-minute one. */
    CACHE_CREATION_1H("cache_creation_input_token_cost_above_1hr"),
    REASONING("output_cost_per_reasoning_token"),
    /** Audio prompt tokens (OpenAI's {@code prompt_tokens_details.audio_tokens}). */
    INPUT_AUDIO("input_cost_per_audio_token"),
    /** Audio completion tokens ({@code completion_tokens_details.audio_tokens}). */
    OUTPUT_AUDIO("output_cost_per_audio_token"),
    INPUT_ABOVE_TIER("input_cost_per_token", true),
    OUTPUT_ABOVE_TIER("output_cost_per_token", true),
    CACHE_READ_ABOVE_TIER("cache_read_input_token_cost", true),
    CACHE_CREATION_ABOVE_TIER("cache_creation_input_token_cost", true),
    CACHE_CREATION_1H_ABOVE_TIER("cache_creation_input_token_cost_above_1hr", true),
    INPUT_BATCHES("input_cost_per_token_batches"),
    OUTPUT_BATCHES("output_cost_per_token_batches");

    private final String key;
    private final boolean aboveTier;

    Rate(String key) {
        this(key, false);
    }

    Rate(String key, boolean aboveTier) {
        this.key = key;
        this.aboveTier = aboveTier;
    }

    /** Whether this is the price of prompts above the entry's token tier. */
    public boolean aboveTier() {
        return aboveTier;
    }

    /**
     * The entry's field name in LiteLLM's {@code model_prices_and_context_window.json}; for a rate above the tier,
     * as the table spells the usual 200k tier ({@link #key(String)} spells another).
     */
    public String key() {
        return key("200k");
    }

    /** The field name with the tier as the table spells it ({@code 200k}, {@code 272k}); unchanged if not tiered. */
    public String key(String tier) {
        return aboveTier ? key + "_above_" + tier + "_tokens" : key;
    }
}
