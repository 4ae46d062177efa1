package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.Completions;
import java.time.Clock;

/**
 * Anthropic message → OpenAI {@code chat.completion} (piece 3): text blocks concatenated into {@code content},
 * {@code tool_use} blocks into {@code tool_calls} (arguments = the input as a JSON string), {@code thinking} blocks
 * into {@code reasoning_content} and, signed, with {@code redacted_thinking} ones into {@code thinking_blocks}
 * ({@link AnthropicWire#thinkingBlock}), {@code stop_reason} mapped by {@link AnthropicWire#finishReason}, usage by
 * {@link AnthropicWire.Usage}. When the request went through the JSON tool, that tool's input is the content and
 * the finish reason is {@code stop}. {@code created} is the injected clock's time (Anthropic sends none).
 */
public final class AnthropicResponseMapper {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final AnthropicErrorClassifier classifier;
    private final Clock clock;

    public AnthropicResponseMapper(AnthropicErrorClassifier classifier, Clock clock) {
        this.classifier = classifier;
        this.clock = clock;
    }

    public ObjectNode map(byte[] body, boolean jsonTool, String secret) {
        ObjectNode message = WireJson.readResponse(body, secret);
        if ("error".equals(message.path("type").asText())) {
            throw new ProviderException(classifier.classifyEvent(message, secret));
        }
        if (!message.path("content").isArray()) {
            throw WireJson.unreadable(body, secret, "response has no 'content'", null);
        }
        StringBuilder text = null;
        StringBuilder thinking = null;
        ArrayNode calls = F.arrayNode();
        ArrayNode thinkingBlocks = F.arrayNode();
        boolean jsonAnswer = false;
        for (JsonNode block : message.get("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text = (text == null ? new StringBuilder() : text).append(block.path("text").asText());
                case "thinking" -> {
                    thinking = (thinking == null ? new StringBuilder() : thinking)
                            .append(block.path("thinking").asText());
                    thinkingBlocks.add(AnthropicWire.thinkingBlock(block.path("thinking").asText(),
                            block.path("signature").asText(null)));
                }
                case "redacted_thinking" -> thinkingBlocks.add(AnthropicWire.redactedThinkingBlock(
                        block.path("data").asText()));
                case "tool_use" -> {
                    String input = block.path("input").isMissingNode() ? "{}" : block.get("input").toString();
                    if (jsonTool && AnthropicWire.JSON_TOOL.equals(block.path("name").asText())) {
                        text = new StringBuilder(input);
                        jsonAnswer = true;
                    } else {
                        Completions.addToolCall(calls, block.path("id").asText(), block.path("name").asText(), input);
                    }
                }
                default -> {
                    // server tool blocks: nothing OpenAI-shaped to show
                }
            }
        }
        ObjectNode out = Completions.completion(message.path("id").asText(), clock.instant().getEpochSecond(),
                message.path("model").asText());
        String finish = AnthropicWire.finishReason(message.path("stop_reason").asText(null),
                jsonAnswer && calls.isEmpty());
        ObjectNode msg = Completions.assistantMessage().content(text == null ? null : text.toString())
                .reasoning(thinking == null ? null : thinking.toString()).thinkingBlocks(thinkingBlocks)
                .toolCalls(calls).build();
        out.putArray("choices").add(Completions.messageChoice(0, msg, finish));
        out.set("usage", AnthropicWire.Usage.fromJson(message.get("usage")).toOpenAi());
        return out;
    }
}
