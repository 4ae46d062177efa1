package dev.llmq.schemas;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** Token counts of one job, as the provider reported them. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TokenUsage(long promptTokens, long completionTokens, long totalTokens, long cachedPromptTokens, long reasoningTokens) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0);

    public TokenUsage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0 || cachedPromptTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0");
        }
    }

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                totalTokens + other.totalTokens, cachedPromptTokens + other.cachedPromptTokens,
                reasoningTokens + other.reasoningTokens);
    }
}
