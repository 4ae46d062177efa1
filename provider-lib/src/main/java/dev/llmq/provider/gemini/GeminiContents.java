package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.internal.DataUrl;
import dev.llmq.provider.internal.Turns;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.ChatMessage;
import dev.llmq.provider.model.ContentPart;
import dev.llmq.provider.model.MessageContent;
import dev.llmq.provider.model.ToolCall;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI messages → Gemini {@code systemInstruction} and {@code contents} (part of piece 2). One instance per request.
 *
 * <ul>
 *   <li>{@code system} / {@code developer} → {@code systemInstruction.parts} (text only);</li>
 *   <li>{@code user} → role {@code user}, {@code assistant} → role {@code model}; consecutive turns of the same role
 *       are merged;</li>
 *   <li>text → {@code {text}} (an empty text, which Gemini rejects, is nothing and is left out); a base64 data URL → {@code inlineData{mimeType,data}}; any other URL →
 *       {@code fileData{mimeType,fileUri}} with the media type guessed from the file extension, else
 *       {@code image/jpeg} (recorded as {@code guessed:image_mime_type=image/jpeg}): Gemini cannot fetch arbitrary
 *       URLs itself, so upload through the Files API or send a data URL for other images;</li>
 *   <li>assistant {@code tool_calls} → {@code functionCall{name,args}} parts, with the {@code thoughtSignature}
 *       carried in the call's id restored ({@link GeminiWire#THOUGHT_SIGNATURE_SEPARATOR});</li>
 *   <li>{@code tool} messages → {@code functionResponse{name,response}} parts in a user turn, the name taken from the
 *       assistant call with that id; the response is the content when it is a JSON object, else
 *       {@code {"content": <text>}};</li>
 *   <li>a message {@code name} has no Gemini field: dropped and recorded ({@code dropped:messages.name});</li>
 *   <li>a message without content (an empty text, no tool calls) adds no turn: Gemini refuses a turn without parts,
 *       as LiteLLM leaves them out; a request left without any turn (only system or empty messages) is invalid,
 *       Gemini's 400 "contents is not specified".</li>
 * </ul>
 */
final class GeminiContents {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String DEFAULT_IMAGE_TYPE = "image/jpeg";

    private final ArrayNode systemParts = F.arrayNode();
    private final Map<String, String> callNames = new HashMap<>();

    ArrayNode systemParts() {
        return systemParts;
    }

    ArrayNode contents(List<ChatMessage> messages, List<String> adjustments) {
        Turns turns = new Turns("parts");
        for (ChatMessage m : messages) {
            turns.dropName(m, adjustments);
            String role;
            ArrayNode parts = F.arrayNode();
            switch (m.role()) {
                case "system", "developer" -> {
                    for (JsonNode p : parts(m.content(), adjustments)) {
                        if (!p.has("text")) {
                            throw WireJson.invalid("system messages may hold text only", "messages");
                        }
                        systemParts.add(p);
                    }
                    continue;
                }
                case "user" -> {
                    role = "user";
                    parts.addAll(parts(m.content(), adjustments));
                }
                case "assistant" -> {
                    role = "model";
                    parts.addAll(parts(m.content(), adjustments));
                    if (m.toolCalls() != null) {
                        for (ToolCall tc : m.toolCalls()) {
                            if (tc.id() != null) {
                                callNames.put(tc.id(), tc.name());
                            }
                            ObjectNode part = parts.addObject();
                            ObjectNode call = part.putObject("functionCall").put("name", tc.name());
                            call.set("args", object(tc.arguments(), true));
                            int sig = tc.id() == null ? -1 : tc.id().indexOf(GeminiWire.THOUGHT_SIGNATURE_SEPARATOR);
                            if (sig >= 0) {
                                part.put("thoughtSignature", tc.id().substring(sig
                                        + GeminiWire.THOUGHT_SIGNATURE_SEPARATOR.length()));
                            }
                        }
                    }
                }
                case "tool" -> {
                    role = "user";
                    String name = m.toolCallId() == null ? null : callNames.get(m.toolCallId());
                    if (name == null) {
                        throw WireJson.invalid("tool message answers no earlier assistant tool call "
                                + "(tool_call_id " + m.toolCallId() + ")", "messages");
                    }
                    if (m.content() instanceof MessageContent.Parts p
                            && !p.parts().stream().allMatch(ContentPart.Text.class::isInstance)) {
                        throw WireJson.invalid("gemini adapter sends tool results as text only", "messages");
                    }
                    ObjectNode response = parts.addObject().putObject("functionResponse").put("name", name);
                    response.set("response", object(m.text(), false));
                }
                default -> throw WireJson.invalid("gemini has no message role '" + m.role() + "'", "messages");
            }
            if (!parts.isEmpty()) {
                turns.add(role, parts);
            }
        }
        if (turns.turns().isEmpty()) {
            throw WireJson.invalid("gemini needs a user or assistant message with content; this request has "
                    + (systemParts.isEmpty() ? "only empty ones" : "only system or empty ones"), "messages");
        }
        return turns.turns();
    }

    private static ArrayNode parts(MessageContent content, List<String> adjustments) {
        ArrayNode out = F.arrayNode();
        switch (content) {
            case null -> { }
            case MessageContent.Text t -> {
                if (!t.value().isEmpty()) {
                    out.addObject().put("text", t.value());
                }
            }
            case MessageContent.Parts p -> {
                for (ContentPart part : p.parts()) {
                    if (!(part instanceof ContentPart.Text t && t.text().isEmpty())) {
                        out.add(part(part, adjustments));
                    }
                }
            }
        }
        return out;
    }

    private static ObjectNode part(ContentPart part, List<String> adjustments) {
        return switch (part) {
            case ContentPart.Text t -> F.objectNode().put("text", t.text());
            case ContentPart.ImageUrl img -> {
                ObjectNode out = F.objectNode();
                DataUrl.parse(img.url()).ifPresentOrElse(
                        d -> out.putObject("inlineData").put("mimeType", d.mediaType()).put("data", d.base64()),
                        () -> {
                            String type = DataUrl.guessMediaType(img.url());
                            if (type == null) {
                                type = DEFAULT_IMAGE_TYPE;
                                String adj = "guessed:image_mime_type=" + DEFAULT_IMAGE_TYPE;
                                if (!adjustments.contains(adj)) {
                                    adjustments.add(adj);
                                }
                            }
                            out.putObject("fileData").put("mimeType", type).put("fileUri", img.url());
                        });
                yield out;
            }
            case ContentPart.Unknown u -> throw WireJson.invalid("gemini adapter cannot send a '"
                    + u.type() + "' content part", "messages");
        };
    }

    /** A JSON object from text: tool-call arguments (must be an object) or a tool result (wrapped when not one). */
    private static JsonNode object(String text, boolean strict) {
        if (text != null && !text.isBlank()) {
            try {
                JsonNode node = Json.mapper().readTree(text);
                if (node != null && node.isObject()) {
                    return node;
                }
            } catch (IOException e) {
                // not JSON: handled below
            }
        } else if (strict) {
            return F.objectNode();
        }
        if (strict) {
            throw WireJson.invalid("tool call arguments must be a JSON object", "messages");
        }
        return F.objectNode().put("content", text == null ? "" : text);
    }
}
