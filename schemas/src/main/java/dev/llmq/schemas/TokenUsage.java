package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Token counts of one job, as the provider reported them, in OpenAI's sense: {@code promptTokens} counts every input
 * token, including those read from the provider's prompt cache ({@code cachedPromptTokens}) and those written to it
 * ({@code cacheCreationTokens}, Anthropic's {@code cache_creation_input_tokens}); {@code completionTokens} includes
 * {@code reasoningTokens}.
 *
 * @param cacheCreation1hTokens the part of {@code cacheCreationTokens} written to a 1-hour cache (Anthropic's
 *                              {@code usage.cache_creation.ephemeral_1h_input_tokens}), which is priced apart from
 *                              5-minute writes; the rest of the cache writes are 5-minute ones. Written as
 *                              {@code cache_creation_1h_tokens} only when not 0, and a record without it reads as 0
 *                              (it was added within schema version 1). Not checked against {@code cacheCreationTokens}
 *                              here: whatever reads it clamps it to them.
 * @param audioPromptTokens the part of {@code promptTokens} that was audio (OpenAI's
 *                          {@code prompt_tokens_details.audio_tokens}), priced at the audio input price; written as
 *                          {@code audio_prompt_tokens} only when not 0, and a record without it reads as 0
 * @param audioCompletionTokens the part of {@code completionTokens} that was audio
 *                              ({@code completion_tokens_details.audio_tokens}), priced at the audio output price;
 *                              {@code audio_completion_tokens}, likewise only when not 0
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens,
                         long reasoningTokens, long cacheCreationTokens,
                         @JsonProperty("cache_creation_1h_tokens") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                         long cacheCreation1hTokens,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT) long audioPromptTokens,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT) long audioCompletionTokens) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0, 0, 0);

    public TokenUsage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0 || cachedPromptTokens < 0
                || reasoningTokens < 0 || cacheCreationTokens < 0 || cacheCreation1hTokens < 0
                || audioPromptTokens < 0 || audioCompletionTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0");
        }
    }

    /** Usage without audio tokens. */
    public TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens,
                      long reasoningTokens, long cacheCreationTokens, long cacheCreation1hTokens) {
        this(promptTokens, completionTokens, totalTokens, cachedPromptTokens, reasoningTokens, cacheCreationTokens,
                cacheCreation1hTokens, 0, 0);
    }

    /** Usage whose cache writes, if any, are all 5-minute ones. */
    public TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens,
                      long reasoningTokens, long cacheCreationTokens) {
        this(promptTokens, completionTokens, totalTokens, cachedPromptTokens, reasoningTokens, cacheCreationTokens, 0);
    }

    /** Usage without cache writes. */
    public TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens,
                      long reasoningTokens) {
        this(promptTokens, completionTokens, totalTokens, cachedPromptTokens, reasoningTokens, 0, 0);
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                totalTokens + other.totalTokens, cachedPromptTokens + other.cachedPromptTokens,
                reasoningTokens + other.reasoningTokens, cacheCreationTokens + other.cacheCreationTokens,
                cacheCreation1hTokens + other.cacheCreation1hTokens, audioPromptTokens + other.audioPromptTokens,
                audioCompletionTokens + other.audioCompletionTokens);
    }
}
