package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The parts of an Anthropic Messages request the mock acts on. */
record AnthropicRequest(String model, boolean stream, int maxTokens, JsonNode messages, List<String> texts,
                        ReplyPlanner.JsonMode jsonMode, ReplyPlanner.ForcedTool tool, List<String> stop,
                        boolean thinking) {

    private static final Set<String> BLOCK_TYPES = Set.of("text", "image", "document", "tool_use", "tool_result",
            "thinking", "redacted_thinking", "search_result", "server_tool_use", "web_search_tool_result");

    private static final Pattern TOOL_USE_ID = Pattern.compile("[a-zA-Z0-9_-]+");

    private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+\\.[^\\s@]+");

    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    /** Where Anthropic's 400s about sampling next to thinking point to. */
    private static final String THINKING_DOCS = " Please consult our documentation at https://docs.claude.com/en/docs/"
            + "build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking";

    /**
     * The Claude models that still take {@code temperature} and {@code top_p} in one request: the Claude 2 and 3
     * families and the first Claude 4 models (Sonnet 4 and Opus 4 of 2025-05-14, aliases {@code -4-0}); every
     * later or unknown model answers 400. The same rule as provider-lib's
     * {@code AnthropicRequestMapper.acceptsTemperatureWithTopP}, kept here because the mock (runtime) does not
     * depend on provider-lib; {@code MockRefusalsAgreeWithAdaptersTest} (worker) checks that the two agree.
     */
    private static final Pattern TEMPERATURE_WITH_TOP_P = Pattern.compile(
            "claude-(2|3|instant)\\b.*|claude-(sonnet|opus)-4(-0|-2025\\d{4})?");

    /** Thrown for a request Anthropic rejects with 400 {@code invalid_request_error}. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static AnthropicRequest parse(JsonNode body) throws Invalid {
        if (body == null || !body.isObject()) {
            throw new Invalid("The request body is not valid JSON.");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new Invalid("model: Field required");
        }
        JsonNode max = body.get("max_tokens");
        if (max == null || max.isNull()) {
            throw new Invalid("max_tokens: Field required");
        }
        if (!max.isIntegralNumber() || max.asInt() < 1) {
            throw new Invalid("max_tokens: Input should be greater than or equal to 1");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new Invalid("messages: Field required");
        }
        if (messages.isEmpty()) {
            throw new Invalid("messages: at least one message is required");
        }
        List<String> texts = new ArrayList<>();
        JsonNode system = body.get("system");
        if (system != null && !system.isNull()) {
            if (!system.isTextual() && !system.isArray()) {
                throw new Invalid("system: Input should be a valid string or a list of text blocks");
            }
            texts.add(TextGenerator.textOf(system));
        }
        for (int i = 0; i < messages.size(); i++) {
            texts.add(messageText(messages.get(i), i, i == messages.size() - 1));
        }
        prefill(messages.get(messages.size() - 1));
        toolBlocksNeedTools(body, messages);
        userId(body.path("metadata").path("user_id"));
        thinkingBeforeTools(body, messages);
        ReplyPlanner.ForcedTool tool = tool(body);
        sampling(body, model.asText(), tool != null);
        String thinking = body.path("thinking").path("type").asText("");
        return new AnthropicRequest(model.asText(), body.path("stream").asBoolean(false), max.asInt(), messages,
                texts, jsonMode(body), tool, stop(body.get("stop_sequences")),
                thinking.equals("enabled") || thinking.equals("adaptive"));
    }

    /**
     * The sampling parameters Anthropic refuses, with its own 400 messages: a {@code temperature} above 1; next to
     * extended or adaptive thinking a {@code temperature} other than 1, any {@code top_k}, a {@code top_p} below
     * 0.95 and a tool choice that forces a tool (platform.claude.com/docs/en/build-with-claude/extended-thinking,
     * feature compatibility); on the models of {@link #TEMPERATURE_WITH_TOP_P}'s complement, {@code temperature} and
     * {@code top_p} together. So a test or demo against the mock sees what the real API would answer if llmq let
     * such a request through.
     */
    private static void sampling(JsonNode body, String model, boolean forcesTool) throws Invalid {
        JsonNode temperature = body.get("temperature");
        JsonNode topP = body.get("top_p");
        JsonNode topK = body.get("top_k");
        String thinking = body.path("thinking").path("type").asText("");
        if (present(temperature) && temperature.asDouble() > 1.0) {
            throw new Invalid("temperature: Input should be less than or equal to 1");
        }
        if (thinking.equals("enabled") || thinking.equals("adaptive")) {
            if (present(temperature) && temperature.asDouble() != 1.0) {
                throw new Invalid("`temperature` may only be set to 1 when thinking is enabled"
                        + (thinking.equals("adaptive") ? " or in adaptive mode." : ".") + THINKING_DOCS);
            }
            if (present(topK)) {
                throw new Invalid("`top_k` must be unset when thinking is enabled." + THINKING_DOCS);
            }
            if (present(topP) && topP.asDouble() < 0.95) {
                throw new Invalid("`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled."
                        + THINKING_DOCS);
            }
            if (forcesTool) {
                throw new Invalid("Thinking may not be enabled when tool_choice forces tool use.");
            }
        }
        if (present(temperature) && present(topP)
                && !TEMPERATURE_WITH_TOP_P.matcher(model.toLowerCase(Locale.ROOT)).matches()) {
            throw new Invalid("`temperature` and `top_p` cannot both be specified for this model. Please use only "
                    + "one.");
        }
    }

    private static boolean present(JsonNode value) {
        return value != null && !value.isNull();
    }

    /**
     * A message's text, refusing with Anthropic's 400s a turn without content (only the final assistant turn, a
     * prefill, may be empty) and an empty or whitespace-only text block.
     */
    private static String messageText(JsonNode m, int i, boolean last) throws Invalid {
        String role = m.path("role").asText("");
        if (!role.equals("user") && !role.equals("assistant")) {
            throw new Invalid("messages." + i + ".role: Input should be 'user' or 'assistant'");
        }
        JsonNode content = m.get("content");
        if (content == null || !(content.isTextual() || content.isArray())) {
            throw new Invalid("messages." + i + ".content: Field required");
        }
        if ((content.isArray() ? content.isEmpty() : content.asText().isEmpty())
                && !(last && role.equals("assistant"))) {
            throw new Invalid("messages." + i + ": all messages must have non-empty content except for the optional "
                    + "final assistant message");
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String type = block.path("type").asText("");
            if (!BLOCK_TYPES.contains(type)) {
                throw new Invalid("messages." + i + ".content." + j + ".type: Input tag '" + type
                        + "' found using 'type' does not match any of the expected tags");
            }
            switch (type) {
                case "image" -> imageSource(block.path("source"), "messages." + i + ".content." + j);
                case "text" -> {
                    String text = block.path("text").asText("");
                    if (text.isBlank()) {
                        throw new Invalid("messages: text content blocks must " + (text.isEmpty() ? "be non-empty"
                                : "contain non-whitespace text"));
                    }
                    sb.append(' ').append(text);
                }
                case "tool_result" -> {
                    toolUseId(block.path("tool_use_id").asText(""), "messages." + i + ".content." + j
                            + ".tool_result.tool_use_id");
                    sb.append(' ').append(TextGenerator.textOf(block.get("content")));
                }
                case "tool_use" -> {
                    toolUseId(block.path("id").asText(""), "messages." + i + ".content." + j + ".tool_use.id");
                    sb.append(' ').append(block.path("input"));
                }
                default -> { }
            }
        }
        return sb.toString();
    }

    /** A conversation holding {@code tool_use} or {@code tool_result} blocks without tools, refused by Anthropic. */
    private static void toolBlocksNeedTools(JsonNode body, JsonNode messages) throws Invalid {
        if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
            return;
        }
        for (JsonNode m : messages) {
            for (JsonNode block : m.path("content")) {
                String type = block.path("type").asText("");
                if (type.equals("tool_use") || type.equals("tool_result")) {
                    throw new Invalid("Requests which include tool_use or tool_result blocks must define tools.");
                }
            }
        }
    }

    /** A {@code metadata.user_id} Anthropic refuses: over 256 characters, or holding an email address. */
    private static void userId(JsonNode userId) throws Invalid {
        if (!userId.isTextual()) {
            return;
        }
        if (userId.asText().length() > 256) {
            throw new Invalid("metadata.user_id: String should have at most 256 characters");
        }
        if (EMAIL.matcher(userId.asText()).find()) {
            throw new Invalid("metadata.user_id: user_id appears to contain an email address. Please send a uuid or "
                    + "hash value instead.");
        }
    }

    /** An image's base64 source of a media type Anthropic does not read, refused with its 400. */
    private static void imageSource(JsonNode source, String path) throws Invalid {
        if ("base64".equals(source.path("type").asText()) && !IMAGE_TYPES.contains(source.path("media_type")
                .asText())) {
            throw new Invalid(path + ".image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', "
                    + "'image/gif' or 'image/webp'");
        }
    }

    /** A final assistant turn (a prefill) ending in whitespace, refused with Anthropic's 400. */
    private static void prefill(JsonNode last) throws Invalid {
        JsonNode content = last.path("content");
        JsonNode end = content.isArray() && !content.isEmpty() ? content.get(content.size() - 1) : content;
        String text = end.isTextual() ? end.asText() : "text".equals(end.path("type").asText())
                ? end.path("text").asText("") : "";
        if ("assistant".equals(last.path("role").asText()) && !text.equals(text.stripTrailing())) {
            throw new Invalid("messages: final assistant content cannot end with trailing whitespace");
        }
    }

    /** A tool call's id as Anthropic validates it, with its own 400 message (another provider's ids fail it). */
    private static void toolUseId(String id, String path) throws Invalid {
        if (!TOOL_USE_ID.matcher(id).matches()) {
            throw new Invalid(path + ": String should match pattern '^[a-zA-Z0-9_-]+$'");
        }
    }

    /**
     * With thinking on, the last assistant turn, when it called a tool, must start with the thinking that led to
     * the call (sent back signed, as it came), as Anthropic requires in a tool loop, with its own 400 message.
     */
    private static void thinkingBeforeTools(JsonNode body, JsonNode messages) throws Invalid {
        String thinking = body.path("thinking").path("type").asText("");
        if (!thinking.equals("enabled") && !thinking.equals("adaptive")) {
            return;
        }
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode content = messages.get(i).path("content");
            if (!"assistant".equals(messages.get(i).path("role").asText()) || !content.isArray()) {
                continue;
            }
            boolean callsTool = false;
            for (JsonNode block : content) {
                callsTool |= "tool_use".equals(block.path("type").asText());
            }
            if (!callsTool) {
                return; // the tool loop ended with an answer
            }
            String first = content.get(0).path("type").asText("");
            if (!first.equals("thinking") && !first.equals("redacted_thinking")) {
                throw new Invalid("messages." + i + ".content.0.type: Expected `thinking` or `redacted_thinking`, but "
                        + "found `" + first + "`. When `thinking` is enabled, a final `assistant` message must start "
                        + "with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). "
                        + "We recommend you include thinking blocks from previous turns. To avoid this requirement, "
                        + "disable `thinking`." + THINKING_DOCS);
            }
            return;
        }
    }

    private static ReplyPlanner.JsonMode jsonMode(JsonNode body) {
        JsonNode format = body.get("output_format");
        if (format != null && "json_schema".equals(format.path("type").asText())) {
            return new ReplyPlanner.JsonMode.Schema(format.get("schema"));
        }
        return new ReplyPlanner.JsonMode.None();
    }

    private static ReplyPlanner.ForcedTool tool(JsonNode body) throws Invalid {
        JsonNode tools = body.get("tools");
        JsonNode choice = body.get("tool_choice");
        boolean hasTools = tools != null && tools.isArray() && !tools.isEmpty();
        if (choice == null || choice.isNull()) {
            return null;
        }
        String type = choice.path("type").asText("");
        return switch (type) {
            case "auto", "none" -> null;
            case "any" -> {
                if (!hasTools) {
                    throw new Invalid("tool_choice: tool_choice.type 'any' requires tools to be specified");
                }
                yield new ReplyPlanner.ForcedTool(tools.get(0).path("name").asText(), tools.get(0).get("input_schema"),
                        false);
            }
            case "tool" -> {
                String name = choice.path("name").asText("");
                if (hasTools) {
                    for (JsonNode t : tools) {
                        if (name.equals(t.path("name").asText())) {
                            yield new ReplyPlanner.ForcedTool(name, t.get("input_schema"), true);
                        }
                    }
                }
                throw new Invalid("tool_choice: Tool '" + name + "' not found in provided tools");
            }
            default -> throw new Invalid("tool_choice.type: Input tag '" + type
                    + "' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
        };
    }

    private static List<String> stop(JsonNode stop) throws Invalid {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (!stop.isArray()) {
            throw new Invalid("stop_sequences: Input should be a valid list");
        }
        stop.forEach(s -> out.add(s.asText()));
        return out;
    }
}
