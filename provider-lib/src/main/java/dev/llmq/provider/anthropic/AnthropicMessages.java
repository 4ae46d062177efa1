package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.gemini.GeminiWire;
import dev.llmq.provider.internal.DataUrl;
import dev.llmq.provider.internal.Turns;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.ChatMessage;
import dev.llmq.provider.model.ContentPart;
import dev.llmq.provider.model.MessageContent;
import dev.llmq.provider.model.Tool;
import dev.llmq.provider.model.ToolCall;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * OpenAI messages → Anthropic {@code system} and {@code messages} (part of piece 2). One instance per request.
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages become top-level {@code system} text blocks, wherever they
 *       stand;</li>
 *   <li>user content: text blocks and images ({@code https} URL → {@code {type: url}} source, base64 data URL →
 *       {@code {type: base64, media_type, data}} source, a PDF's as a {@code document} block; {@link #image}); a
 *       part's {@code cache_control} is carried over, and a message's own one (string content, tool result) onto
 *       its block, as LiteLLM does;</li>
 *   <li>assistant: its {@code thinking_blocks} as they came ({@link #thinkingBlocks}), text blocks, then its
 *       {@code tool_calls} as {@code tool_use} blocks (arguments parsed to {@code input});</li>
 *   <li>{@code tool} messages: {@code tool_result} blocks in a user turn (text, or text and image blocks);</li>
 *   <li>tool call ids as Anthropic takes them ({@link #toolUseId}): a conversation may carry another provider's
 *       ids (a Gemini call's rides with its thought signature, base64 with {@code + / =}; other clients write
 *       {@code functions.f:1}), which Anthropic answers with a 400 ("tool_use.id: String should match pattern");</li>
 *   <li>consecutive turns of the same Anthropic role are merged into one (Anthropic requires alternation);</li>
 *   <li>a message left without content (empty, or only blank text) is left out, so its neighbours merge: Anthropic
 *       refuses an empty turn ("all messages must have non-empty content except for the optional final assistant
 *       message"); a request left with no turn at all is an invalid request;</li>
 *   <li>a final assistant turn (a prefill) loses its trailing whitespace, which Anthropic refuses
 *       ({@link #trimPrefill});</li>
 *   <li>a message {@code name} has no Anthropic field: dropped and recorded ({@code dropped:messages.name});</li>
 *   <li>blank text blocks, which Anthropic rejects, are left out (whitespace-only ones recorded as
 *       {@code dropped:blank_text}).</li>
 * </ul>
 */
final class AnthropicMessages {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Pattern VALID_TOOL_USE_ID = Pattern.compile("[a-zA-Z0-9_-]+");
    private static final Pattern INVALID_TOOL_USE_ID_CHARS = Pattern.compile("[^a-zA-Z0-9_-]");
    /** The media types of Anthropic's base64 image source. */
    private static final List<String> IMAGE_TYPES = List.of("image/jpeg", "image/png", "image/gif", "image/webp");

    private final List<ObjectNode> system = new ArrayList<>();

    /** The system text blocks collected by {@link #messages}. */
    List<ObjectNode> system() {
        return system;
    }

    ArrayNode messages(List<ChatMessage> messages, List<String> adjustments) {
        Turns turns = new Turns("content");
        for (ChatMessage m : messages) {
            turns.dropName(m, adjustments);
            String role;
            ArrayNode blocks;
            switch (m.role()) {
                case "system", "developer" -> {
                    for (JsonNode b : nonBlank(blocks(m, "system"), adjustments)) {
                        if (!"text".equals(b.path("type").asText())) {
                            throw WireJson.invalid("system messages may hold text only", "messages");
                        }
                        system.add((ObjectNode) b);
                    }
                    continue;
                }
                case "user" -> {
                    role = "user";
                    blocks = nonBlank(blocks(m, "user"), adjustments);
                }
                case "assistant" -> {
                    role = "assistant";
                    blocks = thinkingBlocks(m);
                    blocks.addAll(nonBlank(blocks(m, "assistant"), adjustments));
                    if (m.toolCalls() != null) {
                        for (ToolCall tc : m.toolCalls()) {
                            blocks.addObject().put("type", "tool_use").put("id", toolUseId(tc.id()))
                                    .put("name", tc.name())
                                    .set("input", arguments(tc.arguments()));
                        }
                    }
                }
                case "tool" -> {
                    role = "user";
                    blocks = F.arrayNode();
                    if (m.toolCallId() == null) {
                        throw WireJson.invalid("a tool message needs tool_call_id", "messages");
                    }
                    ObjectNode result = blocks.addObject().put("type", "tool_result").put("tool_use_id",
                            toolUseId(m.toolCallId()));
                    if (m.content() instanceof MessageContent.Parts) {
                        result.set("content", nonBlank(blocks(m, "tool"), adjustments));
                    } else {
                        result.put("content", m.text());
                    }
                    withCacheControl(result, m.extra());
                }
                default -> throw WireJson.invalid("anthropic has no message role '" + m.role() + "'", "messages");
            }
            if (!blocks.isEmpty()) { // Anthropic refuses a turn without content
                turns.add(role, blocks);
            }
        }
        if (turns.turns().isEmpty()) {
            throw WireJson.invalid("anthropic needs at least one user or assistant message with content (system "
                    + "messages go to its system prompt)", "messages");
        }
        trimPrefill(turns.turns(), adjustments);
        return turns.turns();
    }

    /**
     * A conversation ending on an assistant turn (a prefill Claude continues) without the trailing whitespace of its
     * last text block, which Anthropic refuses ("final assistant content cannot end with trailing whitespace");
     * recorded as {@code trimmed:assistant_prefill}.
     */
    private static void trimPrefill(ArrayNode turns, List<String> adjustments) {
        JsonNode last = turns.get(turns.size() - 1);
        JsonNode blocks = last.get("content");
        if (!"assistant".equals(last.path("role").asText()) || blocks.isEmpty()) {
            return;
        }
        JsonNode block = blocks.get(blocks.size() - 1);
        String text = block.path("text").asText("");
        if ("text".equals(block.path("type").asText()) && !text.equals(text.stripTrailing())) {
            ((ObjectNode) block).put("text", text.stripTrailing());
            adjustments.add("trimmed:assistant_prefill");
        }
    }

    /**
     * The signed reasoning blocks a client sent back on an assistant message ({@code thinking_blocks}, as llmq's and
     * LiteLLM's answers carry them), first in its content: with extended thinking, Anthropic requires the thinking
     * that led to a tool call back with the call ("a final assistant message must start with a thinking block").
     * Only {@code thinking} (text and signature) and {@code redacted_thinking} (data), whose fields Anthropic checks
     * unchanged; anything else is an invalid request naming it.
     */
    private static ArrayNode thinkingBlocks(ChatMessage m) {
        ArrayNode out = F.arrayNode();
        JsonNode sent = m.extra() == null ? null : m.extra().get("thinking_blocks");
        if (sent == null || sent.isNull()) {
            return out;
        }
        if (!sent.isArray()) {
            throw WireJson.invalid("thinking_blocks must be an array of thinking blocks", "messages");
        }
        for (JsonNode b : sent) {
            String type = b.path("type").asText();
            if ("thinking".equals(type) && b.path("thinking").isTextual() && b.path("signature").isTextual()) {
                out.add(AnthropicWire.thinkingBlock(b.get("thinking").asText(), b.get("signature").asText()));
            } else if ("redacted_thinking".equals(type) && b.path("data").isTextual()) {
                out.add(AnthropicWire.redactedThinkingBlock(b.get("data").asText()));
            } else {
                throw WireJson.invalid("a thinking block is {type: thinking, thinking, signature} or {type: "
                        + "redacted_thinking, data}; got type '" + type + "'", "messages");
            }
        }
        return out;
    }

    /**
     * A tool call's id as Anthropic takes it (letters, digits, {@code _} and {@code -}): as it is when it already is;
     * else without the thought signature a Gemini call carries ({@link GeminiWire#THOUGHT_SIGNATURE_SEPARATOR},
     * meaningless to Anthropic), then with every other character made {@code _} and the original's hash appended, so
     * ids that differ only there stay apart. The same id always gives the same one, so a {@code tool_result} still
     * names its {@code tool_use}.
     */
    static String toolUseId(String id) {
        if (id == null || VALID_TOOL_USE_ID.matcher(id).matches()) {
            return id;
        }
        String bare = GeminiWire.withoutThoughtSignature(id);
        if (!bare.equals(id) && VALID_TOOL_USE_ID.matcher(bare).matches()) {
            return bare;
        }
        return INVALID_TOOL_USE_ID_CHARS.matcher(bare).replaceAll("_") + "_" + Integer.toHexString(id.hashCode());
    }

    /**
     * The blocks without blank text blocks, which Anthropic rejects ("text content blocks must contain non-whitespace
     * text"): an empty one is nothing and goes silently; a whitespace-only one is recorded once as
     * {@code dropped:blank_text}.
     */
    private static ArrayNode nonBlank(ArrayNode blocks, List<String> adjustments) {
        ArrayNode out = F.arrayNode();
        for (JsonNode b : blocks) {
            String text = b.path("text").asText("");
            if (!"text".equals(b.path("type").asText()) || !text.isBlank()) {
                out.add(b);
            } else if (!text.isEmpty() && !adjustments.contains("dropped:blank_text")) {
                adjustments.add("dropped:blank_text");
            }
        }
        return out;
    }

    /**
     * A message's content as blocks. A {@code cache_control} on the message itself (LiteLLM's form for string
     * content) goes on its text block, as a part's goes on the part's block.
     */
    private static ArrayNode blocks(ChatMessage m, String role) {
        ArrayNode out = F.arrayNode();
        switch (m.content()) {
            case null -> { }
            case MessageContent.Text t -> out.add(withCacheControl(F.objectNode().put("type", "text")
                    .put("text", t.value()), m.extra()));
            case MessageContent.Parts p -> {
                for (ContentPart part : p.parts()) {
                    out.add(block(part, role));
                }
            }
        }
        return out;
    }

    private static ObjectNode block(ContentPart part, String role) {
        return switch (part) {
            case ContentPart.Text t -> withCacheControl(F.objectNode().put("type", "text").put("text", t.text()),
                    t.extra());
            case ContentPart.ImageUrl img -> withCacheControl(image(img.url(), role), img.extra());
            case ContentPart.Unknown u -> throw WireJson.invalid("anthropic adapter cannot send a '"
                    + u.type() + "' content part in a " + role + " message", "messages");
        };
    }

    /**
     * An {@code image_url} as Anthropic takes it: an http(s) URL as a {@code url} source; a base64 data URL of one of
     * the image types Anthropic reads ({@link #IMAGE_TYPES}; {@code image/jpg} read as {@code image/jpeg}) as a
     * {@code base64} source, of a PDF as a {@code document} block (as LiteLLM sends it). Anything else Anthropic
     * would refuse with a 400 is an invalid request naming what is wrong.
     */
    private static ObjectNode image(String url, String role) {
        String where = "an image_url in a " + role + " message";
        if (url == null || url.isBlank()) {
            throw WireJson.invalid(where + " needs a url", "messages");
        }
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            DataUrl data = DataUrl.parse(url).orElseThrow(() -> WireJson.invalid(where + ": anthropic takes a data "
                    + "URL only base64-encoded with its media type (data:image/png;base64,...)", "messages"));
            String type = "image/jpg".equals(data.mediaType()) ? "image/jpeg" : data.mediaType();
            if (!IMAGE_TYPES.contains(type) && !"application/pdf".equals(type)) {
                throw WireJson.invalid(where + ": anthropic does not read media type '" + data.mediaType()
                        + "' (images: " + String.join(", ", IMAGE_TYPES) + "; documents: application/pdf)",
                        "messages");
            }
            ObjectNode block = F.objectNode().put("type", IMAGE_TYPES.contains(type) ? "image" : "document");
            block.putObject("source").put("type", "base64").put("media_type", type).put("data", data.base64());
            return block;
        }
        if (!url.regionMatches(true, 0, "https://", 0, 8) && !url.regionMatches(true, 0, "http://", 0, 7)) {
            throw WireJson.invalid(where + ": anthropic fetches only http(s) URLs; send other images as base64 "
                    + "data URLs", "messages");
        }
        ObjectNode block = F.objectNode().put("type", "image");
        block.putObject("source").put("type", "url").put("url", url);
        return block;
    }

    private static ObjectNode withCacheControl(ObjectNode block, ObjectNode extra) {
        if (extra != null && extra.hasNonNull("cache_control")) {
            block.set("cache_control", extra.get("cache_control").deepCopy());
        }
        return block;
    }

    /** Tool-call arguments (a JSON string) as the {@code input} object; empty means {@code {}}. */
    private static JsonNode arguments(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return F.objectNode();
        }
        try {
            JsonNode node = Json.mapper().readTree(arguments);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // reported below
        }
        throw WireJson.invalid("tool call arguments must be a JSON object", "messages");
    }

    /** An OpenAI function tool as an Anthropic tool ({@code input_schema}). */
    static ObjectNode tool(Tool t) {
        if (!"function".equals(t.type())) {
            throw WireJson.invalid("anthropic adapter supports function tools only, not '" + t.type()
                    + "'", "tools");
        }
        ObjectNode out = F.objectNode().put("name", t.name());
        if (t.description() != null) {
            out.put("description", t.description());
        }
        JsonNode schema = t.parameters() != null ? t.parameters().deepCopy()
                : F.objectNode().put("type", "object").set("properties", F.objectNode());
        out.set("input_schema", schema);
        if (t.functionExtra() != null && t.functionExtra().hasNonNull("cache_control")) {
            out.set("cache_control", t.functionExtra().get("cache_control").deepCopy());
        }
        return out;
    }
}
