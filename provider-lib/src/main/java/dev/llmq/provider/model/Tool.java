package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A tool definition: {@code {"type":"function","function":{"name","description","parameters","strict"}}}.
 *
 * @param parameters the JSON Schema of the arguments, or null
 */
public record Tool(String type, String name, String description, JsonNode parameters, Boolean strict,
                   ObjectNode functionExtra, ObjectNode extra) {

    public Tool {
        type = type == null ? "function" : type;
        Objects.requireNonNull(name, "name");
        parameters = parameters == null ? null : parameters.deepCopy();
        functionExtra = Extras.copy(functionExtra);
        extra = Extras.copy(extra);
    }

    public static Tool function(String name, String description, JsonNode parameters) {
        return new Tool("function", name, description, parameters, null, null, null);
    }

    public ObjectNode toJson() {
        ObjectNode fn = JsonOut.create().str("name", name).str("description", description).node("parameters", parameters)
                .bool("strict", strict).extra(functionExtra).build();
        return JsonOut.create().str("type", type).node("function", fn).extra(extra).build();
    }

    static Tool fromJson(JsonNode node) {
        JsonIn in = new JsonIn(node, "tool");
        String type = in.str("type");
        JsonIn fn = new JsonIn(in.raw("function"), "tool.function");
        String name = fn.str("name");
        if (name == null) {
            throw new IllegalArgumentException("tool.function.name is required");
        }
        return new Tool(type, name, fn.str("description"), fn.any("parameters"), fn.bool("strict"), fn.extra(),
                in.extra());
    }
}
