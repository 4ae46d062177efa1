package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.mock.Fault;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The parts of an OpenAI chat-completions request the mock acts on. */
record OpenAiRequest(String model, boolean stream, boolean includeUsage, int n, Integer maxTokens,
                     JsonNode messages, List<String> messageTexts, ReplyPlanner.JsonMode jsonMode,
                     ReplyPlanner.ForcedTool tool, List<String> stop, boolean reasons) {

    /**
     * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 but not gpt-5-chat, and their dated variants), which bill
     * reasoning tokens; the rule of provider-lib's {@code ReasoningModels}, kept here: the mock does not depend on it.
     */
    private static final Pattern REASONING = Pattern.compile("(o\\d+)(-.*)?|gpt-5(?!-chat).*");

    /**
     * OpenAI's chat models from before reasoning (gpt-3.5, Azure's gpt-35, gpt-4, gpt-4o, gpt-4.1, gpt-4.5), which
     * answer {@code reasoning_effort} with 400 "Unrecognized request argument supplied: reasoning_effort"; the rule of
     * provider-lib's {@code ReasoningModels}, kept here.
     */
    private static final Pattern CHAT_ONLY = Pattern.compile("(gpt-3\\.5|gpt-35|gpt-4|chatgpt-4o).*");

    /**
     * The fields an OpenAI chat message has (over all roles); OpenAI answers any other with 400
     * {@code unknown_parameter} "Unknown parameter: 'messages[1].thinking_blocks'.".
     */
    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id",
            "function_call", "refusal", "audio");

    /** Thrown for a request OpenAI would reject with 400. */
    static final class Invalid extends Exception {
        final Fault.HttpError error;

        Invalid(String message, String param, String code) {
            super(message, null, false, false);
            this.error = new Fault.HttpError(400, "invalid_request_error", code, param, message, Optional.empty());
        }
    }

    static OpenAiRequest parse(JsonNode body) throws Invalid {
        return parse(body, null);
    }

    /** {@code deployment}, when not null, is the model (Azure's deployment path); the body's model is optional. */
    static OpenAiRequest parse(JsonNode body, String deployment) throws Invalid {
        if (body == null || !body.isObject()) {
            throw new Invalid("The request body must be a JSON object.", null, null);
        }
        JsonNode model = deployment != null ? com.fasterxml.jackson.databind.node.TextNode.valueOf(deployment) : body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new Invalid("you must provide a model parameter", null, null);
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new Invalid("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }
        if (messages.isEmpty()) {
            throw new Invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got "
                    + "an empty array instead.", "messages", "empty_array");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode m : messages) {
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new Invalid("Missing required parameter: 'messages[" + texts.size() + "].role'.",
                        "messages[" + texts.size() + "].role", "missing_required_parameter");
            }
            for (String field : (Iterable<String>) m::fieldNames) {
                if (!MESSAGE_FIELDS.contains(field)) {
                    String param = "messages[" + texts.size() + "]." + field;
                    throw new Invalid("Unknown parameter: '" + param + "'.", param, "unknown_parameter");
                }
            }
            texts.add(TextGenerator.textOf(m.get("content")));
        }
        if (body.hasNonNull("reasoning_effort")
                && CHAT_ONLY.matcher(model.asText().toLowerCase(Locale.ROOT)).matches()) {
            throw new Invalid("Unrecognized request argument supplied: reasoning_effort", null, null);
        }
        boolean stream = body.path("stream").asBoolean(false);
        if (body.hasNonNull("stream_options") && !stream) {
            throw new Invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                    "stream_options", null);
        }
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        int n = intParam(body, "n", 1, 1, 128);
        Integer max = null;
        if (body.hasNonNull("max_completion_tokens")) {
            max = intParam(body, "max_completion_tokens", 0, 1, 1 << 24);
        } else if (body.hasNonNull("max_tokens")) {
            max = intParam(body, "max_tokens", 0, 1, 1 << 24);
        }
        boolean reasons = REASONING.matcher(model.asText().toLowerCase(Locale.ROOT)).matches()
                && !"none".equals(body.path("reasoning_effort").asText(""));
        return new OpenAiRequest(model.asText(), stream, includeUsage, n, max, messages, texts,
                jsonMode(body.get("response_format")), tool(body), stop(body.get("stop")), reasons);
    }

    private static List<String> stop(JsonNode stop) throws Invalid {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            out.add(stop.asText());
            return out;
        }
        if (!stop.isArray() || stop.size() > 4) {
            throw new Invalid("Invalid 'stop': expected a string or an array of at most 4 strings.", "stop",
                    "invalid_value");
        }
        stop.forEach(s -> out.add(s.asText()));
        return out;
    }

    private static int intParam(JsonNode body, String name, int dflt, int min, int max) throws Invalid {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw new Invalid("Invalid '" + name + "': expected an integer between " + min + " and " + max
                    + ", got " + v + ".", name, "invalid_value");
        }
        return v.asInt();
    }

    private static ReplyPlanner.JsonMode jsonMode(JsonNode format) throws Invalid {
        if (format == null || format.isNull()) {
            return new ReplyPlanner.JsonMode.None();
        }
        return switch (format.path("type").asText("")) {
            case "text" -> new ReplyPlanner.JsonMode.None();
            case "json_object" -> new ReplyPlanner.JsonMode.AnyObject();
            case "json_schema" -> new ReplyPlanner.JsonMode.Schema(format.path("json_schema").path("schema"));
            default -> throw new Invalid("Invalid value: '" + format.path("type").asText() + "'. Supported values "
                    + "are: 'json_object', 'json_schema', and 'text'.", "response_format.type", "invalid_value");
        };
    }

    private static ReplyPlanner.ForcedTool tool(JsonNode body) throws Invalid {
        JsonNode tools = body.get("tools");
        JsonNode choice = body.get("tool_choice");
        boolean hasTools = tools != null && tools.isArray() && !tools.isEmpty();
        if (choice != null && !choice.isNull() && !hasTools) {
            throw new Invalid("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
                    + "specified.", "tool_choice", null);
        }
        if (!hasTools || choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return switch (choice.asText()) {
                case "required" -> {
                    JsonNode fn = tools.get(0).path("function");
                    yield new ReplyPlanner.ForcedTool(fn.path("name").asText(), fn.get("parameters"), false);
                }
                case "none", "auto" -> null;
                default -> throw new Invalid("Invalid value: '" + choice.asText() + "'. Supported values are: "
                        + "'none', 'auto', and 'required'.", "tool_choice", "invalid_value");
            };
        }
        String name = choice.path("function").path("name").asText("");
        for (JsonNode t : tools) {
            if (name.equals(t.path("function").path("name").asText())) {
                return new ReplyPlanner.ForcedTool(name, t.path("function").get("parameters"), true);
            }
        }
        throw new Invalid("Invalid value for 'tool_choice': tool_choice names function '" + name
                + "', which is not in 'tools'.", "tool_choice", null);
    }
}
