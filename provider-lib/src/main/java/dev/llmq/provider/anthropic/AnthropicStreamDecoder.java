package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.Completions;
import dev.llmq.provider.spi.StreamDecoder;
import dev.llmq.provider.sse.SseEvent;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's event+data SSE → OpenAI chunks (piece 4). {@code message_start} gives the id, model and input usage
 * and yields a role chunk; {@code content_block_start} of a {@code tool_use} yields the tool call's first delta
 * (stable OpenAI index = the count of tool blocks before it, id and name); {@code text_delta} → content,
 * {@code input_json_delta} → argument fragments, {@code thinking_delta} → {@code reasoning_content}, and at a
 * thinking block's {@code content_block_stop} the whole block with its signature (or a {@code redacted_thinking}
 * block) as one {@code thinking_blocks} delta ({@link AnthropicWire#thinkingBlock});
 * {@code message_delta} → the finish reason; {@code message_stop} → a usage-only chunk and the clean end. A stream
 * without {@code message_stop} is truncated (the engine says so). {@code ping} and unknown events are ignored;
 * {@code event: error} is classified. With the JSON tool, its input fragments are content.
 *
 * <p>To measure decoding per chunk without HTTP, feed {@code message_start} and a {@code content_block_start} once,
 * then {@code content_block_delta} events repeatedly; each yields one chunk.
 */
public final class AnthropicStreamDecoder implements StreamDecoder {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** What a content block (by Anthropic's block index) maps to. */
    private sealed interface Block {
        record Text() implements Block { }
        record ToolCall(int openAiIndex) implements Block { }
        record JsonAnswer() implements Block { }
        /** Its text and signature so far, for the whole block at its stop. */
        record Thinking(StringBuilder text, StringBuilder signature) implements Block { }
        record RedactedThinking(String data) implements Block { }
        record Other() implements Block { }
    }

    private final AnthropicErrorClassifier classifier;
    private final Clock clock;
    private final boolean jsonTool;
    private final String secret;
    private final Map<Integer, Block> blocks = new HashMap<>();
    private String id;
    private String model;
    private long created;
    private int toolCalls;
    private boolean jsonAnswered;
    private AnthropicWire.Usage usage = AnthropicWire.Usage.ZERO;
    private boolean ended;

    public AnthropicStreamDecoder(AnthropicErrorClassifier classifier, Clock clock, boolean jsonTool, String secret) {
        this.classifier = classifier;
        this.clock = clock;
        this.jsonTool = jsonTool;
        this.secret = secret;
    }

    @Override
    public List<ObjectNode> decode(SseEvent event) {
        if (ended || event.data().isBlank()) {
            return List.of();
        }
        JsonNode data = parse(event.data());
        String type = data.path("type").asText(event.event());
        return switch (type) {
            case "message_start" -> messageStart(data.path("message"));
            case "content_block_start" -> blockStart(data.path("index").asInt(), data.path("content_block"));
            case "content_block_delta" -> blockDelta(data.path("index").asInt(), data.path("delta"));
            case "message_delta" -> messageDelta(data);
            case "message_stop" -> {
                ended = true;
                yield List.of(Completions.usageChunk(id, created, model, usage.toOpenAi()));
            }
            case "error" -> throw new ProviderException(classifier.classifyEvent(data, secret));
            case "content_block_stop" -> blockStop(data.path("index").asInt());
            default -> List.of(); // ping, newer events
        };
    }

    @Override
    public boolean ended() {
        return ended;
    }

    /** The input (and cache) counts of {@code message_start}, the output ones of a {@code message_delta} since. */
    @Override
    public ObjectNode usageSoFar() {
        return usage.equals(AnthropicWire.Usage.ZERO) ? null : usage.toOpenAi();
    }

    private List<ObjectNode> messageStart(JsonNode message) {
        id = message.path("id").asText(null);
        model = message.path("model").asText(null);
        created = clock.instant().getEpochSecond();
        usage = AnthropicWire.Usage.fromJson(message.get("usage"));
        return List.of(chunk(F.objectNode().put("role", "assistant"), null));
    }

    private List<ObjectNode> blockStart(int index, JsonNode block) {
        String type = block.path("type").asText();
        switch (type) {
            case "text" -> {
                blocks.put(index, new Block.Text());
                String text = block.path("text").asText("");
                return text.isEmpty() ? List.of() : List.of(chunk(F.objectNode().put("content", text), null));
            }
            case "thinking" -> {
                blocks.put(index, new Block.Thinking(new StringBuilder(block.path("thinking").asText("")),
                        new StringBuilder(block.path("signature").asText(""))));
                return List.of();
            }
            case "redacted_thinking" -> {
                blocks.put(index, new Block.RedactedThinking(block.path("data").asText("")));
                return List.of();
            }
            case "tool_use" -> {
                if (jsonTool && AnthropicWire.JSON_TOOL.equals(block.path("name").asText())) {
                    blocks.put(index, new Block.JsonAnswer());
                    jsonAnswered = true;
                    return List.of();
                }
                int openAiIndex = toolCalls++;
                blocks.put(index, new Block.ToolCall(openAiIndex));
                ObjectNode delta = F.objectNode();
                Completions.addToolCallDelta(delta.putArray("tool_calls"), openAiIndex, block.path("id").asText(),
                        block.path("name").asText(), "");
                return List.of(chunk(delta, null));
            }
            default -> {
                blocks.put(index, new Block.Other());
                return List.of();
            }
        }
    }

    private List<ObjectNode> blockDelta(int index, JsonNode delta) {
        Block block = blocks.getOrDefault(index, new Block.Other());
        String type = delta.path("type").asText();
        ObjectNode out = switch (block) {
            case Block.Text t when "text_delta".equals(type) -> F.objectNode().put("content",
                    delta.path("text").asText());
            case Block.Thinking t when "thinking_delta".equals(type) -> {
                t.text().append(delta.path("thinking").asText());
                yield F.objectNode().put("reasoning_content", delta.path("thinking").asText());
            }
            case Block.Thinking t when "signature_delta".equals(type) -> {
                t.signature().append(delta.path("signature").asText());
                yield null;
            }
            case Block.JsonAnswer j when "input_json_delta".equals(type) -> F.objectNode().put("content",
                    delta.path("partial_json").asText());
            case Block.ToolCall tc when "input_json_delta".equals(type) -> {
                ObjectNode d = F.objectNode();
                Completions.addToolCallFragment(d.putArray("tool_calls"), tc.openAiIndex(),
                        delta.path("partial_json").asText());
                yield d;
            }
            default -> null; // citations_delta, server tool blocks
        };
        if (out == null || fragment(delta).isEmpty()) {
            return List.of();
        }
        return List.of(chunk(out, null));
    }

    /** A thinking block has ended: the whole of it, signed, as one {@code thinking_blocks} delta. */
    private List<ObjectNode> blockStop(int index) {
        ObjectNode block = switch (blocks.get(index)) {
            case Block.Thinking t -> AnthropicWire.thinkingBlock(t.text().toString(),
                    t.signature().isEmpty() ? null : t.signature().toString());
            case Block.RedactedThinking r -> AnthropicWire.redactedThinkingBlock(r.data());
            case null, default -> null;
        };
        if (block == null) {
            return List.of();
        }
        ObjectNode delta = F.objectNode();
        delta.putArray("thinking_blocks").add(block);
        return List.of(chunk(delta, null));
    }

    /** The text a delta carries; empty fragments (Anthropic's first {@code input_json_delta}) yield no chunk. */
    private static String fragment(JsonNode delta) {
        for (String field : new String[] {"text", "thinking", "partial_json"}) {
            if (delta.path(field).isTextual()) {
                return delta.get(field).asText();
            }
        }
        return "";
    }

    private List<ObjectNode> messageDelta(JsonNode data) {
        usage = usage.merge(data.get("usage"));
        String stop = data.path("delta").path("stop_reason").asText(null);
        if (stop == null) {
            return List.of();
        }
        return List.of(chunk(F.objectNode(), AnthropicWire.finishReason(stop, jsonAnswered && toolCalls == 0)));
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        return Completions.chunk(id, created, model, 0, delta, finishReason);
    }

    private JsonNode parse(String data) {
        JsonNode node = WireJson.readEvent(data, secret);
        if (node != null && node.isObject()) {
            return node;
        }
        throw WireJson.notAnObject(data, secret);
    }
}
