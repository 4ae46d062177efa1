package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * One chat message ({@code system}, {@code developer}, {@code user}, {@code assistant}, {@code tool}, or a role this
 * model does not know).
 *
 * @param content string or parts; null for an assistant message that only calls tools
 * @param toolCalls an assistant's tool calls, or null
 * @param toolCallId for {@code tool} messages: the call answered
 * @param extra unknown fields (e.g. {@code audio}, {@code reasoning_content}), kept
 */
public record ChatMessage(String role, MessageContent content, String name, List<ToolCall> toolCalls,
                          String toolCallId, String refusal, ObjectNode extra) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
        extra = Extras.copy(extra);
    }

    public static ChatMessage of(String role, String text) {
        return new ChatMessage(role, new MessageContent.Text(text), null, null, null, null, null);
    }

    /** The message's text ({@code ""} when it has none). */
    public String text() {
        return content == null ? "" : content.text();
    }

    public ObjectNode toJson() {
        JsonOut out = JsonOut.create().str("role", role);
        if (content != null) {
            out.node("content", content.toJson());
        }
        return out.str("name", name).list("tool_calls", toolCalls, ToolCall::toJson).str("tool_call_id", toolCallId)
                .str("refusal", refusal).extra(extra).build();
    }

    public static ChatMessage fromJson(JsonNode node) {
        JsonIn in = new JsonIn(node, "message");
        String role = in.str("role");
        if (role == null) {
            throw new IllegalArgumentException("message.role is required");
        }
        return new ChatMessage(role, MessageContent.fromJson(in.raw("content")), in.str("name"),
                in.list("tool_calls", ToolCall::fromJson), in.str("tool_call_id"), in.str("refusal"), in.extra());
    }
}
