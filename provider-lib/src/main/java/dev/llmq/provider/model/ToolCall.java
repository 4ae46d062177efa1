package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A tool call in an assistant message: {@code {"id","type":"function","function":{"name","arguments"}}}.
 *
 * @param arguments the arguments as the model wrote them: a JSON string, not parsed
 */
public record ToolCall(String id, String type, String name, String arguments, ObjectNode extra) {

    public ToolCall {
        type = type == null ? "function" : type;
        Objects.requireNonNull(name, "name");
        arguments = arguments == null ? "" : arguments;
        extra = Extras.copy(extra);
    }

    public ToolCall(String id, String name, String arguments) {
        this(id, "function", name, arguments, null);
    }

    public ObjectNode toJson() {
        ObjectNode fn = JsonOut.create().str("name", name).str("arguments", arguments).build();
        return JsonOut.create().str("id", id).str("type", type).node("function", fn).extra(extra).build();
    }

    static ToolCall fromJson(JsonNode node) {
        JsonIn in = new JsonIn(node, "tool_call");
        String id = in.str("id");
        String type = in.str("type");
        JsonIn fn = new JsonIn(in.raw("function"), "tool_call.function");
        JsonNode args = fn.raw("arguments");
        String arguments = args == null ? "" : args.isTextual() ? args.asText() : args.toString();
        return new ToolCall(id, type, Objects.requireNonNullElse(fn.str("name"), ""), arguments, in.extra());
    }
}
