package dev.llmq.schemas;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Token counts of one job, as the provider reported them, in OpenAI's sense: {@code promptTokens} counts every input
 * token, including those read from the provider's prompt cache ({@code cachedPromptTokens}) and those written to it
 * ({@code cacheCreationTokens}, Anthropic's {@code cache_creation_input_tokens}); {@code completionTokens} includes
 * {@code reasoningTokens}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens,
                         long reasoningTokens, long cacheCreationTokens) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0, 0);

    public TokenUsage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0 || cachedPromptTokens < 0
                || reasoningTokens < 0 || cacheCreationTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0");
        }
    }

    /** Usage without cache writes. */
    public TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens,
                      long reasoningTokens) {
        this(promptTokens, completionTokens, totalTokens, cachedPromptTokens, reasoningTokens, 0);
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                totalTokens + other.totalTokens, cachedPromptTokens + other.cachedPromptTokens,
                reasoningTokens + other.reasoningTokens, cacheCreationTokens + other.cacheCreationTokens);
    }
}
