package dev.llmq.provider.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.TokenUsage;

/**
 * Reads OpenAI's {@code usage} object into {@link TokenUsage}: {@code prompt_tokens_details.cached_tokens} (cache
 * reads), {@code completion_tokens_details.reasoning_tokens}, and the cache writes, which OpenAI does not report but
 * Anthropic-backed usages do. llmq's Anthropic mapping adds {@code cache_creation_input_tokens} with Anthropic's
 * {@code cache_creation.ephemeral_1h_input_tokens} (the writes to a 1-hour cache, a part of them). A LiteLLM proxy
 * in front of Claude, called as an OpenAI-compatible upstream, reports the writes in its own spelling
 * ({@code litellm/llms/anthropic/chat/transformation.py}, {@code calculate_usage}): the same top-level
 * {@code cache_creation_input_tokens} and, in {@code prompt_tokens_details}, {@code cache_creation_tokens} (newer
 * versions also {@code cache_write_tokens}) with {@code cache_creation_token_details: {ephemeral_5m_input_tokens,
 * ephemeral_1h_input_tokens}}; both spellings are read, so such a job is priced with its cache writes and its
 * 1-hour ones at their own price. DeepSeek reports its cache reads as {@code prompt_cache_hit_tokens} (beside
 * {@code prompt_cache_miss_tokens}; both part of {@code prompt_tokens}), read when {@code cached_tokens} is not
 * given, as LiteLLM's DeepSeek mapping does, so they pay the cache-read price. The audio parts,
 * {@code prompt_tokens_details.audio_tokens} and
 * {@code completion_tokens_details.audio_tokens} (gpt-4o-audio-preview, gpt-audio), are kept apart: they are priced
 * at the table's audio prices, many times the text ones.
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
        long cached = firstPositive(usage.path("prompt_tokens_details").path("cached_tokens"),
                usage.path("prompt_cache_hit_tokens"));
        long reasoning = nonNegative(usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
        JsonNode promptDetails = usage.path("prompt_tokens_details");
        JsonNode writeParts = usage.path("cache_creation").isObject() ? usage.get("cache_creation")
                : promptDetails.path("cache_creation_token_details");
        long writes1h = nonNegative(writeParts.path("ephemeral_1h_input_tokens").asLong(0));
        long cacheWrites = firstPositive(usage.path("cache_creation_input_tokens"),
                promptDetails.path("cache_creation_tokens"), promptDetails.path("cache_write_tokens"));
        if (cacheWrites == 0) { // only the parts: their sum
            cacheWrites = nonNegative(writeParts.path("ephemeral_5m_input_tokens").asLong(0)) + writes1h;
        }
        long audioIn = nonNegative(promptDetails.path("audio_tokens").asLong(0));
        long audioOut = nonNegative(usage.path("completion_tokens_details").path("audio_tokens").asLong(0));
        return new TokenUsage(prompt, completion, total, cached, reasoning, cacheWrites,
                Math.min(cacheWrites, writes1h), Math.min(audioIn, prompt), Math.min(audioOut, completion));
    }

    /** The first of {@code counts} above zero, else 0: the same writes spelled in several places. */
    private static long firstPositive(JsonNode... counts) {
        for (JsonNode count : counts) {
            long v = count.asLong(0);
            if (v > 0) {
                return v;
            }
        }
        return 0;
    }

    private static long nonNegative(long v) {
        return Math.max(0, v);
    }
}
