package dev.llmq.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builders for the canonical (OpenAI) output shapes that every adapter and the chunk accumulator produce: the
 * {@code chat.completion} / {@code chat.completion.chunk} head, a choice, the assistant message, a tool call and the
 * usage-only last chunk. Field order is OpenAI's.
 */
public final class CompletionJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private CompletionJson() {
    }

    /** {@code {"id", "object": "chat.completion", "created", "model"}}, to which choices and usage are added. */
    public static ObjectNode completion(String id, long created, String model) {
        return head(id, "chat.completion", created, model);
    }

    /** {@code {"id", "object": "chat.completion.chunk", "created", "model"}}, to which choices are added. */
    public static ObjectNode chunk(String id, long created, String model) {
        return head(id, "chat.completion.chunk", created, model);
    }

    /** A chunk holding one choice: {@code {"index", "delta", "logprobs": null, "finish_reason"}}. */
    public static ObjectNode chunk(String id, long created, String model, int index, ObjectNode delta,
                                   String finishReason) {
        ObjectNode chunk = chunk(id, created, model);
        chunk.putArray("choices").add(choice(index, "delta", delta, finishReason));
        return chunk;
    }

    /** The usage-only last chunk of a stream: no choices, the usage. */
    public static ObjectNode usageChunk(String id, long created, String model, JsonNode usage) {
        ObjectNode chunk = chunk(id, created, model);
        chunk.putArray("choices");
        chunk.set("usage", usage);
        return chunk;
    }

    /**
     * A choice: {@code {"index", <field>: body, "logprobs": null, "finish_reason"}}.
     *
     * @param field {@code delta} in a chunk, {@code message} in a completion
     */
    public static ObjectNode choice(int index, String field, ObjectNode body, String finishReason) {
        ObjectNode choice = F.objectNode().put("index", index);
        choice.set(field, body);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /**
     * A completion's assistant message: {@code content} (null when there is no text), {@code reasoning_content} when
     * there is some, {@code tool_calls} when there are any.
     */
    public static ObjectNode assistantMessage(String content, String reasoning, ArrayNode toolCalls) {
        ObjectNode msg = F.objectNode().put("role", "assistant");
        if (content != null) {
            msg.put("content", content);
        } else {
            msg.putNull("content");
        }
        if (reasoning != null) {
            msg.put("reasoning_content", reasoning);
        }
        if (!toolCalls.isEmpty()) {
            msg.set("tool_calls", toolCalls);
        }
        return msg;
    }

    /**
     * Adds a function tool call: {@code {"index"?, "id", "type": "function", "function": {"name", "arguments"}}}.
     *
     * @param index the call's stream index, or null in a completion (which has none)
     */
    public static ObjectNode addToolCall(ArrayNode calls, Integer index, String id, String name, String arguments) {
        ObjectNode call = calls.addObject();
        if (index != null) {
            call.put("index", index);
        }
        call.put("id", id).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", arguments);
        return call;
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        return F.objectNode().put("id", id).put("object", object).put("created", created).put("model", model);
    }
}
