package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.Fault;
import java.util.List;

/** Builds OpenAI chat-completions JSON objects with OpenAI's field order. */
final class OpenAiWire {

    static final String SYSTEM_FINGERPRINT = "fp_mock0llmq";

    private final ObjectMapper json;

    OpenAiWire(ObjectMapper json) {
        this.json = json;
    }

    /** A {@code chat.completion} object. */
    /** The completion; {@code reasoningTokens} (0 but for reasoning models) are billed in the completion tokens. */
    ObjectNode completion(String id, long created, String model, List<ReplyPlanner.Choice> choices, int promptTokens,
                          int reasoningTokens) {
        ObjectNode root = header(id, "chat.completion", created, model);
        ArrayNode arr = root.putArray("choices");
        int completionTokens = 0;
        for (ReplyPlanner.Choice c : choices) {
            ObjectNode choice = arr.addObject();
            choice.put("index", c.index());
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            if (c.toolCall() != null) {
                message.putNull("content");
                ObjectNode call = message.putArray("tool_calls").addObject();
                call.put("id", c.toolCall().id());
                call.put("type", "function");
                ObjectNode fn = call.putObject("function");
                fn.put("name", c.toolCall().name());
                fn.put("arguments", c.toolCall().arguments());
            } else {
                message.put("content", c.content());
            }
            message.putNull("refusal");
            message.putArray("annotations");
            choice.putNull("logprobs");
            choice.put("finish_reason", c.finishReason());
            completionTokens += c.completionTokens();
        }
        root.set("usage", usage(promptTokens, completionTokens, reasoningTokens));
        root.put("service_tier", "default");
        root.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return root;
    }

    /** A {@code chat.completion.chunk} with one choice; {@code usageNull} adds {@code "usage": null}. */
    ObjectNode chunk(String id, long created, String model, int index, ObjectNode delta, String finishReason,
                     boolean usageNull) {
        ObjectNode root = chunkHeader(id, created, model);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (usageNull) {
            root.putNull("usage");
        }
        return root;
    }

    /** The last chunk when {@code stream_options.include_usage} is true: no choices, the usage. */
    ObjectNode usageChunk(String id, long created, String model, int promptTokens, int completionTokens,
                          int reasoningTokens) {
        ObjectNode root = chunkHeader(id, created, model);
        root.putArray("choices");
        root.set("usage", usage(promptTokens, completionTokens, reasoningTokens));
        return root;
    }

    ObjectNode roleDelta(ReplyPlanner.Choice c) {
        ObjectNode delta = json.createObjectNode();
        delta.put("role", "assistant");
        if (c.toolCall() != null) {
            delta.putNull("content");
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", 0);
            call.put("id", c.toolCall().id());
            call.put("type", "function");
            ObjectNode fn = call.putObject("function");
            fn.put("name", c.toolCall().name());
            fn.put("arguments", "");
        } else {
            delta.put("content", "");
        }
        delta.putNull("refusal");
        return delta;
    }

    ObjectNode pieceDelta(ReplyPlanner.Choice c, String piece) {
        ObjectNode delta = json.createObjectNode();
        if (c.toolCall() != null) {
            ObjectNode call = delta.putArray("tool_calls").addObject();
            call.put("index", 0);
            call.putObject("function").put("arguments", piece);
        } else {
            delta.put("content", piece);
        }
        return delta;
    }

    ObjectNode emptyDelta() {
        return json.createObjectNode();
    }

    /** OpenAI's usage: {@code completion_tokens} include the reasoning tokens, detailed apart. */
    ObjectNode usage(int promptTokens, int answerTokens, int reasoningTokens) {
        int completionTokens = answerTokens + reasoningTokens;
        ObjectNode usage = json.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        ObjectNode prompt = usage.putObject("prompt_tokens_details");
        prompt.put("cached_tokens", 0);
        prompt.put("audio_tokens", 0);
        ObjectNode completion = usage.putObject("completion_tokens_details");
        completion.put("reasoning_tokens", reasoningTokens);
        completion.put("audio_tokens", 0);
        completion.put("accepted_prediction_tokens", 0);
        completion.put("rejected_prediction_tokens", 0);
        return usage;
    }

    /** OpenAI's error body: {@code {"error":{"message","type","param","code"}}}. */
    ObjectNode error(Fault.HttpError e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.message());
        err.put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        if (e.code() == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code());
        }
        return root;
    }

    private ObjectNode header(String id, String object, long created, String model) {
        ObjectNode root = json.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    private ObjectNode chunkHeader(String id, long created, String model) {
        ObjectNode root = header(id, "chat.completion.chunk", created, model);
        root.put("service_tier", "default");
        root.put("system_fingerprint", SYSTEM_FINGERPRINT);
        return root;
    }
}
