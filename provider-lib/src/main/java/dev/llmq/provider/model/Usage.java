package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.TokenUsage;

/**
 * OpenAI's {@code usage}, with cached prompt tokens ({@code prompt_tokens_details.cached_tokens}) and reasoning
 * tokens ({@code completion_tokens_details.reasoning_tokens}); other details kept in the extras.
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens, Long cachedTokens,
                    Long reasoningTokens, ObjectNode promptDetailsExtra, ObjectNode completionDetailsExtra,
                    ObjectNode extra) {

    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0");
        }
        promptDetailsExtra = Extras.copy(promptDetailsExtra);
        completionDetailsExtra = Extras.copy(completionDetailsExtra);
        extra = Extras.copy(extra);
    }

    public static Usage of(long prompt, long completion, Long cached, Long reasoning) {
        return new Usage(prompt, completion, prompt + completion, cached, reasoning, null, null, null);
    }

    public TokenUsage toTokenUsage() {
        return new TokenUsage(promptTokens, completionTokens, totalTokens, cachedTokens == null ? 0 : cachedTokens,
                reasoningTokens == null ? 0 : reasoningTokens);
    }

    public ObjectNode toJson() {
        JsonOut out = JsonOut.create().num("prompt_tokens", promptTokens).num("completion_tokens", completionTokens)
                .num("total_tokens", totalTokens);
        if (cachedTokens != null || !promptDetailsExtra.isEmpty()) {
            out.node("prompt_tokens_details",
                    JsonOut.create().num("cached_tokens", cachedTokens).extra(promptDetailsExtra).build());
        }
        if (reasoningTokens != null || !completionDetailsExtra.isEmpty()) {
            out.node("completion_tokens_details",
                    JsonOut.create().num("reasoning_tokens", reasoningTokens).extra(completionDetailsExtra).build());
        }
        return out.extra(extra).build();
    }

    public static Usage fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonIn in = new JsonIn(node, "usage");
        long prompt = orZero(in.lng("prompt_tokens"));
        long completion = orZero(in.lng("completion_tokens"));
        Long total = in.lng("total_tokens");
        JsonNode pd = in.raw("prompt_tokens_details");
        JsonNode cd = in.raw("completion_tokens_details");
        Long cached = null;
        ObjectNode pdExtra = null;
        if (pd != null) {
            JsonIn p = new JsonIn(pd, "usage.prompt_tokens_details");
            cached = p.lng("cached_tokens");
            pdExtra = p.extra();
        }
        Long reasoning = null;
        ObjectNode cdExtra = null;
        if (cd != null) {
            JsonIn c = new JsonIn(cd, "usage.completion_tokens_details");
            reasoning = c.lng("reasoning_tokens");
            cdExtra = c.extra();
        }
        return new Usage(prompt, completion, total == null ? prompt + completion : total, cached, reasoning, pdExtra,
                cdExtra, in.extra());
    }

    private static long orZero(Long v) {
        return v == null ? 0 : Math.max(0, v);
    }
}
