package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import java.util.Set;

/** Builds Anthropic Messages JSON: the message, the stream events and the error body. */
final class AnthropicWire {

    /** Anthropic's context window in the "prompt is too long" message. */
    static final int CONTEXT_WINDOW = 200_000;

    private static final Set<String> ERROR_TYPES = Set.of("invalid_request_error", "authentication_error",
            "permission_error", "not_found_error", "request_too_large", "rate_limit_error", "api_error",
            "overloaded_error", "timeout_error", "billing_error");

    /** An error as Anthropic sends it. */
    record Error(int status, String type, String message) {
    }

    private final ObjectMapper json;

    AnthropicWire(ObjectMapper json) {
        this.json = json;
    }

    /** {@code end_turn}, {@code max_tokens}, {@code tool_use}, {@code stop_sequence} or {@code refusal}. */
    static String stopReason(ReplyPlanner.Choice c) {
        if ("content_filter".equals(c.finishReason())) {
            return "refusal";
        }
        if ("length".equals(c.finishReason())) {
            return "max_tokens";
        }
        if (c.toolCall() != null) {
            return "tool_use";
        }
        return c.stopSequence() != null ? "stop_sequence" : "end_turn";
    }

    /**
     * The complete message; {@code toolId} names the tool_use block when the choice is a tool call; a
     * {@code thought} (null without thinking) comes first as a signed thinking block, its tokens in the output's.
     */
    ObjectNode message(String id, String model, ReplyPlanner.Choice c, String toolId, int inputTokens,
                       Thought thought) {
        ObjectNode root = messageHeader(id, model);
        var content = root.putArray("content");
        if (thought != null) {
            content.addObject().put("type", "thinking").put("thinking", thought.text())
                    .put("signature", thought.signature());
        }
        if (c.toolCall() != null) {
            content.add(toolUseBlock(c, toolId, input(c)));
        } else if (!"content_filter".equals(c.finishReason())) {
            content.addObject().put("type", "text").put("text", c.content());
        }
        root.put("stop_reason", stopReason(c));
        putNullable(root, "stop_sequence", c.stopSequence());
        root.set("usage", usage(inputTokens, c.completionTokens() + thinkingTokens(thought)));
        return root;
    }

    private static int thinkingTokens(Thought thought) {
        return thought == null ? 0 : thought.tokens();
    }

    ObjectNode messageStart(String id, String model, int inputTokens) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "message_start");
        ObjectNode m = messageHeader(id, model);
        m.putArray("content");
        m.putNull("stop_reason");
        m.putNull("stop_sequence");
        m.set("usage", usage(inputTokens, 1));
        root.set("message", m);
        return root;
    }

    /** A thinking block's start, at index 0: empty text and signature, as Anthropic streams it. */
    ObjectNode thinkingStart() {
        ObjectNode root = json.createObjectNode();
        root.put("type", "content_block_start");
        root.put("index", 0);
        root.putObject("content_block").put("type", "thinking").put("thinking", "").put("signature", "");
        return root;
    }

    /** A {@code thinking_delta} ({@code signature} false) or the block's {@code signature_delta}, at index 0. */
    ObjectNode thinkingDelta(String value, boolean signature) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "content_block_delta");
        root.put("index", 0);
        root.putObject("delta").put("type", signature ? "signature_delta" : "thinking_delta")
                .put(signature ? "signature" : "thinking", value);
        return root;
    }

    ObjectNode blockStart(ReplyPlanner.Choice c, String toolId, int index) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "content_block_start");
        root.put("index", index);
        if (c.toolCall() != null) {
            root.set("content_block", toolUseBlock(c, toolId, json.createObjectNode()));
        } else {
            root.putObject("content_block").put("type", "text").put("text", "");
        }
        return root;
    }

    ObjectNode ping() {
        return json.createObjectNode().put("type", "ping");
    }

    ObjectNode blockDelta(ReplyPlanner.Choice c, String piece, int index) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "content_block_delta");
        root.put("index", index);
        if (c.toolCall() != null) {
            root.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
        } else {
            root.putObject("delta").put("type", "text_delta").put("text", piece);
        }
        return root;
    }

    ObjectNode blockStop(int index) {
        return json.createObjectNode().put("type", "content_block_stop").put("index", index);
    }

    ObjectNode messageDelta(ReplyPlanner.Choice c, Thought thought) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "message_delta");
        ObjectNode delta = root.putObject("delta");
        delta.put("stop_reason", stopReason(c));
        putNullable(delta, "stop_sequence", c.stopSequence());
        root.putObject("usage").put("output_tokens", c.completionTokens() + thinkingTokens(thought));
        return root;
    }

    ObjectNode messageStop() {
        return json.createObjectNode().put("type", "message_stop");
    }

    /** A shared fault in Anthropic's statuses and error types. */
    static Error error(Fault.HttpError e, int promptTokens) {
        if ("context_length_exceeded".equals(e.code())) {
            return new Error(400, "invalid_request_error", "prompt is too long: " + (CONTEXT_WINDOW + promptTokens)
                    + " tokens > " + CONTEXT_WINDOW + " maximum");
        }
        if ("insufficient_quota".equals(e.code())) {
            return new Error(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic "
                    + "API. Please go to Plans & Billing to upgrade or purchase credits.");
        }
        if (ERROR_TYPES.contains(e.type())) {
            return new Error(e.status(), e.type(), e.message());
        }
        return switch (e.status()) {
            case 400 -> new Error(400, "invalid_request_error", e.message());
            case 401 -> new Error(401, "authentication_error", "invalid x-api-key");
            case 403 -> new Error(403, "permission_error", "Your API key does not have permission to use the "
                    + "specified resource.");
            case 404 -> new Error(404, "not_found_error", "Not found");
            case 413 -> new Error(413, "request_too_large", "Request exceeds the maximum allowed number of bytes.");
            case 429 -> new Error(429, "rate_limit_error", "This request would exceed your organization's rate "
                    + "limit of 50 requests per minute. For details, refer to: "
                    + "https://docs.claude.com/en/api/rate-limits.");
            case 503, 529 -> new Error(529, "overloaded_error", "Overloaded");
            case 504 -> new Error(504, "timeout_error", "Request timed out");
            case 500 -> new Error(500, "api_error", "Internal server error");
            default -> new Error(e.status(), e.status() >= 500 ? "api_error" : "invalid_request_error", e.message());
        };
    }

    /** {@code {"type":"error","error":{"type","message"},"request_id"}} */
    ObjectNode errorBody(Error e, String requestId) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "error");
        root.putObject("error").put("type", e.type()).put("message", e.message());
        if (requestId != null) {
            root.put("request_id", requestId);
        }
        return root;
    }

    private ObjectNode messageHeader(String id, String model) {
        ObjectNode root = json.createObjectNode();
        root.put("id", id);
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", model);
        return root;
    }

    private ObjectNode toolUseBlock(ReplyPlanner.Choice c, String toolId, JsonNode input) {
        ObjectNode block = json.createObjectNode();
        block.put("type", "tool_use");
        block.put("id", toolId);
        block.put("name", c.toolCall().name());
        block.set("input", input);
        return block;
    }

    private JsonNode input(ReplyPlanner.Choice c) {
        try {
            return json.readTree(c.toolCall().arguments());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the planner produced arguments that are not JSON", e);
        }
    }

    /**
     * A message's usage. The mock caches nothing, so it reads and writes no cache tokens; like Anthropic it still
     * breaks the (no) cache writes down by cache lifetime in {@code cache_creation}.
     */
    private ObjectNode usage(int input, int output) {
        ObjectNode usage = json.createObjectNode();
        usage.put("input_tokens", input);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", 0).put("ephemeral_1h_input_tokens", 0);
        usage.put("output_tokens", output);
        return usage;
    }

    private static void putNullable(ObjectNode node, String field, String value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
