package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.model.Completions;

/**
 * The Anthropic Messages wire vocabulary (piece 1 of a provider): stop reasons, block and event types, and the usage
 * record. Request and response bodies are read and written as JSON trees field by field (unknown fields tolerated);
 * this class names what the mappers and the decoder agree on.
 *
 * <p>Sources: docs.anthropic.com/en/api/messages, /en/api/messages-streaming, /en/api/errors.
 */
public final class AnthropicWire {

    /** {@code anthropic-version} sent when the target names none. */
    public static final String API_VERSION = "2023-06-01";
    /** The tool a {@code response_format} is forced through; its input is returned as the message content. */
    public static final String JSON_TOOL = "json_tool_call";
    /** The adjustment recorded when {@code response_format} went through {@link #JSON_TOOL}; also a marker for the
     *  response mapper and the stream decoder. */
    public static final String JSON_TOOL_ADJUSTMENT = "mapped:response_format->tool:" + JSON_TOOL;

    private AnthropicWire() {
    }

    /** Anthropic {@code stop_reason} → OpenAI {@code finish_reason}; null stays null. */
    public static String finishReason(String stopReason, boolean onlyJsonTool) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "end_turn", "stop_sequence", "pause_turn" -> "stop";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> onlyJsonTool ? "stop" : "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }

    /**
     * A {@code thinking} block as OpenAI-shaped messages carry it ({@code thinking_blocks}, LiteLLM's name): the text
     * and the signature Anthropic checks when the block comes back, unchanged, on the assistant message of the next
     * turn (which extended thinking with tools requires).
     */
    public static ObjectNode thinkingBlock(String thinking, String signature) {
        ObjectNode block = JsonNodeFactory.instance.objectNode().put("type", "thinking").put("thinking", thinking);
        return signature == null ? block : block.put("signature", signature);
    }

    /** A {@code redacted_thinking} block (its encrypted {@code data}), carried as {@link #thinkingBlock} is. */
    public static ObjectNode redactedThinkingBlock(String data) {
        return JsonNodeFactory.instance.objectNode().put("type", "redacted_thinking").put("data", data);
    }

    /**
     * Anthropic usage: {@code input_tokens} counts only the uncached prompt; cache reads and cache writes come apart.
     * As LiteLLM does, OpenAI's {@code prompt_tokens} is their sum (the whole prompt), {@code cached_tokens} the cache
     * reads; both cache counts are also kept under Anthropic's names, and so is {@code cache_creation}, the writes by
     * cache lifetime, when the answer has it.
     *
     * @param cacheCreation {@code cache_creation_input_tokens}, all cache writes; when absent, the sum of
     *                      {@code byLifetime}
     * @param byLifetime {@code cache_creation}: the writes to a 5-minute and to a 1-hour cache, or null when the
     *                   answer does not break them down (then they count as 5-minute writes)
     */
    public record Usage(long input, long output, long cacheRead, long cacheCreation, CacheWrites byLifetime) {

        public static final Usage ZERO = new Usage(0, 0, 0, 0, null);

        public static Usage fromJson(JsonNode u) {
            if (u == null || !u.isObject()) {
                return ZERO;
            }
            CacheWrites byLifetime = CacheWrites.fromJson(u.get("cache_creation"));
            long cacheCreation = u.path("cache_creation_input_tokens")
                    .asLong(byLifetime == null ? 0 : byLifetime.fiveMinutes() + byLifetime.oneHour());
            return new Usage(u.path("input_tokens").asLong(0), u.path("output_tokens").asLong(0),
                    u.path("cache_read_input_tokens").asLong(0), cacheCreation, byLifetime);
        }

        /** This usage with the fields present in {@code delta} (a {@code message_delta}'s cumulative usage). */
        public Usage merge(JsonNode delta) {
            if (delta == null || !delta.isObject()) {
                return this;
            }
            CacheWrites split = CacheWrites.fromJson(delta.get("cache_creation"));
            return new Usage(delta.path("input_tokens").asLong(input), delta.path("output_tokens").asLong(output),
                    delta.path("cache_read_input_tokens").asLong(cacheRead),
                    delta.path("cache_creation_input_tokens").asLong(cacheCreation),
                    split == null ? byLifetime : split);
        }

        public ObjectNode toOpenAi() {
            ObjectNode o = Completions.usage(input + cacheRead + cacheCreation, output).cachedTokens(cacheRead).build();
            o.put("cache_read_input_tokens", cacheRead);
            o.put("cache_creation_input_tokens", cacheCreation);
            if (byLifetime != null) {
                o.putObject("cache_creation").put("ephemeral_5m_input_tokens", byLifetime.fiveMinutes())
                        .put("ephemeral_1h_input_tokens", byLifetime.oneHour());
            }
            return o;
        }
    }

    /**
     * Anthropic's {@code usage.cache_creation}: the cache writes by the lifetime asked for in {@code cache_control}
     * ({@code ephemeral_5m_input_tokens}, {@code ephemeral_1h_input_tokens}), priced apart; their sum is
     * {@code cache_creation_input_tokens}.
     */
    public record CacheWrites(long fiveMinutes, long oneHour) {

        /** The writes by lifetime, or null when {@code node} is not an object. */
        static CacheWrites fromJson(JsonNode node) {
            if (node == null || !node.isObject()) {
                return null;
            }
            return new CacheWrites(node.path("ephemeral_5m_input_tokens").asLong(0),
                    node.path("ephemeral_1h_input_tokens").asLong(0));
        }
    }
}
