package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
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
     * Anthropic usage: {@code input_tokens} counts only the uncached prompt; cache reads and cache writes come apart.
     * As LiteLLM does, OpenAI's {@code prompt_tokens} is their sum (the whole prompt), {@code cached_tokens} the cache
     * reads; both cache counts are also kept under Anthropic's names.
     */
    public record Usage(long input, long output, long cacheRead, long cacheCreation) {

        public static final Usage ZERO = new Usage(0, 0, 0, 0);

        public static Usage fromJson(JsonNode u) {
            if (u == null || !u.isObject()) {
                return ZERO;
            }
            return new Usage(u.path("input_tokens").asLong(0), u.path("output_tokens").asLong(0),
                    u.path("cache_read_input_tokens").asLong(0), u.path("cache_creation_input_tokens").asLong(0));
        }

        /** This usage with the fields present in {@code delta} (a {@code message_delta}'s cumulative usage). */
        public Usage merge(JsonNode delta) {
            if (delta == null || !delta.isObject()) {
                return this;
            }
            return new Usage(delta.path("input_tokens").asLong(input), delta.path("output_tokens").asLong(output),
                    delta.path("cache_read_input_tokens").asLong(cacheRead),
                    delta.path("cache_creation_input_tokens").asLong(cacheCreation));
        }

        public ObjectNode toOpenAi() {
            ObjectNode o = Completions.usage(input + cacheRead + cacheCreation, output).cachedTokens(cacheRead).build();
            o.put("cache_read_input_tokens", cacheRead);
            o.put("cache_creation_input_tokens", cacheCreation);
            return o;
        }
    }
}
