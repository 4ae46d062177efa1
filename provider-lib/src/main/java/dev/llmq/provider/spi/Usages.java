package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.TokenUsage;

/**
 * Reads OpenAI's {@code usage} object into {@link TokenUsage}: {@code prompt_tokens_details.cached_tokens} (cache
 * reads), {@code completion_tokens_details.reasoning_tokens}, and {@code cache_creation_input_tokens} (cache writes),
 * which OpenAI does not report but llmq's Anthropic mapping (like LiteLLM's) adds next to them, with Anthropic's
 * {@code cache_creation.ephemeral_1h_input_tokens} (the writes to a 1-hour cache, a part of them).
 */
public final class Usages {

    private Usages() {
    }

    /** Usage from an OpenAI {@code usage} object; {@link TokenUsage#ZERO} when absent or null. */
    public static TokenUsage fromOpenAi(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return TokenUsage.ZERO;
        }
        long prompt = nonNegative(usage.path("prompt_tokens").asLong(0));
        long completion = nonNegative(usage.path("completion_tokens").asLong(0));
        long total = usage.hasNonNull("total_tokens") ? nonNegative(usage.get("total_tokens").asLong(0)) : prompt + completion;
        long cached = nonNegative(usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
        long reasoning = nonNegative(usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
        long cacheWrites = nonNegative(usage.path("cache_creation_input_tokens").asLong(0));
        long cacheWrites1h = Math.min(cacheWrites,
                nonNegative(usage.path("cache_creation").path("ephemeral_1h_input_tokens").asLong(0)));
        return new TokenUsage(prompt, completion, total, cached, reasoning, cacheWrites, cacheWrites1h);
    }

    private static long nonNegative(long v) {
        return Math.max(0, v);
    }
}
