package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.time.Clock;

/**
 * Anthropic message → OpenAI {@code chat.completion} (piece 3): text blocks concatenated into {@code content},
 * {@code tool_use} blocks into {@code tool_calls} (arguments = the input as a JSON string), {@code thinking} blocks
 * into {@code reasoning_content}, {@code stop_reason} mapped by {@link AnthropicWire#finishReason}, usage by
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
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (IOException e) {
            throw unreadable(body, secret, "response is not JSON", e);
        }
        if (!(node instanceof ObjectNode message)) {
            throw unreadable(body, secret, "response is not a JSON object", null);
        }
        if ("error".equals(message.path("type").asText())) {
            throw new ProviderException(classifier.classifyEvent(message, secret));
        }
        if (!message.path("content").isArray()) {
            throw unreadable(body, secret, "response has no 'content'", null);
        }
        StringBuilder text = null;
        StringBuilder thinking = null;
        ArrayNode calls = F.arrayNode();
        boolean jsonAnswer = false;
        for (JsonNode block : message.get("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text = (text == null ? new StringBuilder() : text).append(block.path("text").asText());
                case "thinking" -> thinking = (thinking == null ? new StringBuilder() : thinking)
                        .append(block.path("thinking").asText());
                case "tool_use" -> {
                    String input = block.path("input").isMissingNode() ? "{}" : block.get("input").toString();
                    if (jsonTool && AnthropicWire.JSON_TOOL.equals(block.path("name").asText())) {
                        text = new StringBuilder(input);
                        jsonAnswer = true;
                    } else {
                        ObjectNode call = calls.addObject().put("id", block.path("id").asText()).put("type", "function");
                        call.putObject("function").put("name", block.path("name").asText()).put("arguments", input);
                    }
                }
                default -> {
                    // redacted_thinking, server tool blocks: nothing OpenAI-shaped to show
                }
            }
        }
        ObjectNode out = F.objectNode();
        out.put("id", message.path("id").asText());
        out.put("object", "chat.completion");
        out.put("created", clock.instant().getEpochSecond());
        out.put("model", message.path("model").asText());
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode msg = choice.putObject("message");
        msg.put("role", "assistant");
        if (text != null) {
            msg.put("content", text.toString());
        } else {
            msg.putNull("content");
        }
        if (thinking != null) {
            msg.put("reasoning_content", thinking.toString());
        }
        if (!calls.isEmpty()) {
            msg.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", AnthropicWire.finishReason(message.path("stop_reason").asText(null),
                jsonAnswer && calls.isEmpty()));
        out.set("usage", AnthropicWire.Usage.fromJson(message.get("usage")).toOpenAi());
        return out;
    }

    static ProviderException unreadable(byte[] body, String secret, String why, Throwable cause) {
        return new ProviderException(new ProviderError(ErrorKind.SERVER_ERROR, 200, null, null, why, null, null,
                null, Redaction.snippet(body, secret)), cause);
    }
}
