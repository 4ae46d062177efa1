package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * Keeps an OpenAI-family answer's {@code finish_reason} within OpenAI's values ({@code stop}, {@code length},
 * {@code tool_calls}, {@code content_filter}, {@code function_call}), as LiteLLM does for every provider
 * ({@code map_finish_reason}, applied by its {@code Choices} and {@code StreamingChoices}): OpenAI-compatible servers
 * send their own ({@code eos} from Together and TGI, Mistral's {@code model_length}, Zhipu's {@code sensitive} and
 * {@code network_error}, Anthropic's names from proxies in front of Claude), which clients built on OpenAI's
 * contract reject (the .NET SDK throws "Unknown ChatFinishReason value"). A name that says the output was cut off by
 * a limit is {@code length}, by a filter {@code content_filter}, a tool call {@code tool_calls}; any other unknown
 * value is {@code stop}. Two limits LiteLLM has no entry for (so {@code stop} there) are {@code length} here, as
 * their providers document them: Mistral's {@code model_length} (the model's context length reached) and
 * Anthropic's {@code model_context_window_exceeded}. An empty one is none in a stream, and {@code stop} on a whole
 * answer, which has ended.
 */
final class FinishReasons {

    private static final Set<String> OPENAI = Set.of("stop", "length", "tool_calls", "content_filter",
            "function_call");
    private static final Map<String, String> SYNONYMS = Map.of(
            "max_tokens", "length",
            "model_length", "length",
            "model_context_window_exceeded", "length",
            "tool_use", "tool_calls",
            "refusal", "content_filter",
            "content_filtered", "content_filter",
            "sensitive", "content_filter",
            "guardrail_intervened", "content_filter");

    private FinishReasons() {
    }

    /** OpenAI's value for {@code reason}; null stays null (a stream's choice that has not finished). */
    static String openAi(String reason) {
        if (reason == null || reason.isEmpty()) {
            return null;
        }
        return OPENAI.contains(reason) ? reason : SYNONYMS.getOrDefault(reason, "stop");
    }

    /**
     * Rewrites, in place, each choice's {@code finish_reason} that is not OpenAI's; with {@code whole} (a
     * {@code chat.completion}, not a chunk) a missing or empty one is {@code stop}.
     */
    static void normalise(JsonNode completionOrChunk, boolean whole) {
        for (JsonNode c : completionOrChunk.path("choices")) {
            if (!(c instanceof ObjectNode choice)) {
                continue;
            }
            JsonNode given = choice.get("finish_reason");
            String reason = given != null && given.isTextual() ? given.asText() : null;
            if (reason != null && OPENAI.contains(reason)) {
                continue;
            }
            String mapped = openAi(reason);
            if (mapped == null && whole) {
                mapped = "stop";
            }
            if (mapped != null) {
                choice.put("finish_reason", mapped);
            } else if (given != null && !given.isNull()) {
                choice.putNull("finish_reason");
            }
        }
    }
}
