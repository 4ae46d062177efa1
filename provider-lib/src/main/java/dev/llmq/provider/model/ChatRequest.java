package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The canonical request: OpenAI's chat-completion body as a record. Every field is optional except
 * {@code messages}; absent is null. Fields this record does not model are kept in {@code extra} and written back, so
 * nothing passed through to OpenAI is lost. {@code stop} is always a list here ({@code "stop": "x"} reads as
 * {@code ["x"]} and is written back as it came via {@code stopWasString}).
 */
public record ChatRequest(String model, List<ChatMessage> messages, List<Tool> tools, ToolChoice toolChoice,
                          Boolean parallelToolCalls, ResponseFormat responseFormat, List<String> stop,
                          boolean stopWasString, Integer n, Long seed, String user, Integer maxTokens,
                          Integer maxCompletionTokens, Double temperature, Double topP, Double presencePenalty,
                          Double frequencyPenalty, Boolean logprobs, Integer topLogprobs, JsonNode logitBias,
                          Boolean stream, StreamOptions streamOptions, String reasoningEffort, ObjectNode extra) {

    public ChatRequest {
        Objects.requireNonNull(messages, "messages");
        messages = List.copyOf(messages);
        tools = tools == null ? null : List.copyOf(tools);
        stop = stop == null ? null : List.copyOf(stop);
        logitBias = logitBias == null ? null : logitBias.deepCopy();
        extra = Extras.copy(extra);
        if (n != null && n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
    }

    /**
     * Reads an OpenAI chat-completion body.
     *
     * @throws IllegalArgumentException naming the field when a known field has the wrong type
     */
    public static ChatRequest fromJson(JsonNode body) {
        JsonIn in = new JsonIn(body, "request");
        JsonNode rawMessages = in.raw("messages");
        if (rawMessages == null || !rawMessages.isArray()) {
            throw new IllegalArgumentException("request.messages must be an array");
        }
        List<ChatMessage> messages = new ArrayList<>(rawMessages.size());
        rawMessages.forEach(m -> messages.add(ChatMessage.fromJson(m)));
        JsonNode rawStop = in.raw("stop");
        List<String> stop = null;
        boolean stopWasString = false;
        if (rawStop != null) {
            if (rawStop.isTextual()) {
                stop = List.of(rawStop.asText());
                stopWasString = true;
            } else if (rawStop.isArray()) {
                stop = new ArrayList<>();
                for (JsonNode s : rawStop) {
                    if (!s.isTextual()) {
                        throw new IllegalArgumentException("request.stop must be a string or an array of strings");
                    }
                    stop.add(s.asText());
                }
            } else {
                throw new IllegalArgumentException("request.stop must be a string or an array of strings");
            }
        }
        return new ChatRequest(in.str("model"), messages, in.list("tools", Tool::fromJson),
                ToolChoice.fromJson(in.raw("tool_choice")), in.bool("parallel_tool_calls"),
                ResponseFormat.fromJson(in.raw("response_format")), stop, stopWasString, in.integer("n"),
                in.lng("seed"), in.str("user"), in.integer("max_tokens"), in.integer("max_completion_tokens"),
                in.dbl("temperature"), in.dbl("top_p"), in.dbl("presence_penalty"), in.dbl("frequency_penalty"),
                in.bool("logprobs"), in.integer("top_logprobs"), in.any("logit_bias"), in.bool("stream"),
                StreamOptions.fromJson(in.raw("stream_options")), in.str("reasoning_effort"), in.extra());
    }

    public ObjectNode toJson() {
        JsonOut out = JsonOut.create().str("model", model).list("messages", messages, ChatMessage::toJson)
                .list("tools", tools, Tool::toJson)
                .node("tool_choice", toolChoice == null ? null : toolChoice.toJson())
                .bool("parallel_tool_calls", parallelToolCalls)
                .node("response_format", responseFormat == null ? null : responseFormat.toJson());
        if (stop != null) {
            if (stopWasString && stop.size() == 1) {
                out.str("stop", stop.get(0));
            } else {
                out.list("stop", stop, s -> com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode(s));
            }
        }
        return out.num("n", n).num("seed", seed).str("user", user).num("max_tokens", maxTokens)
                .num("max_completion_tokens", maxCompletionTokens).num("temperature", temperature)
                .num("top_p", topP).num("presence_penalty", presencePenalty)
                .num("frequency_penalty", frequencyPenalty).bool("logprobs", logprobs)
                .num("top_logprobs", topLogprobs).node("logit_bias", logitBias).bool("stream", stream)
                .node("stream_options", streamOptions == null ? null : streamOptions.toJson())
                .str("reasoning_effort", reasoningEffort).extra(extra).build();
    }

    /** The output-token limit asked for: {@code max_completion_tokens}, else {@code max_tokens}, else null. */
    public Integer outputTokenLimit() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }

    /** The system and developer messages' text, joined with a blank line. */
    public String systemText() {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            if ("system".equals(m.role()) || "developer".equals(m.role())) {
                if (!sb.isEmpty()) {
                    sb.append("\n\n");
                }
                sb.append(m.text());
            }
        }
        return sb.toString();
    }
}
