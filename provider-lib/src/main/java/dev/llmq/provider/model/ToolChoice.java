package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;

/** {@code tool_choice}: {@code none} / {@code auto} / {@code required}, a named function, or something newer. */
public sealed interface ToolChoice {

    JsonNode toJson();

    enum Mode { NONE, AUTO, REQUIRED }

    record Of(Mode mode) implements ToolChoice {
        public Of {
            Objects.requireNonNull(mode, "mode");
        }

        @Override
        public JsonNode toJson() {
            return JsonNodeFactory.instance.textNode(mode.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** {@code {"type":"function","function":{"name":...}}} */
    record Function(String name) implements ToolChoice {
        public Function {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public JsonNode toJson() {
            var o = JsonNodeFactory.instance.objectNode().put("type", "function");
            o.putObject("function").put("name", name);
            return o;
        }
    }

    /** A form this model does not know (e.g. {@code allowed_tools}); passed through unchanged. */
    record Unknown(JsonNode raw) implements ToolChoice {
        public Unknown {
            raw = Objects.requireNonNull(raw, "raw").deepCopy();
        }

        @Override
        public JsonNode toJson() {
            return raw.deepCopy();
        }
    }

    static ToolChoice fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return switch (node.asText()) {
                case "none" -> new Of(Mode.NONE);
                case "auto" -> new Of(Mode.AUTO);
                case "required" -> new Of(Mode.REQUIRED);
                default -> new Unknown(node);
            };
        }
        if (node.isObject() && "function".equals(node.path("type").asText())
                && node.path("function").path("name").isTextual() && node.size() == 2
                && node.path("function").size() == 1) {
            return new Function(node.path("function").path("name").asText());
        }
        return new Unknown(node);
    }
}
