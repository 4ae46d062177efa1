package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** {@code response_format}: text, JSON mode, a JSON schema, or something newer (kept as it came). */
public sealed interface ResponseFormat {

    ObjectNode toJson();

    record Text() implements ResponseFormat {
        @Override
        public ObjectNode toJson() {
            return JsonNodeFactory.instance.objectNode().put("type", "text");
        }
    }

    record JsonObject() implements ResponseFormat {
        @Override
        public ObjectNode toJson() {
            return JsonNodeFactory.instance.objectNode().put("type", "json_object");
        }
    }

    /** {@code {"type":"json_schema","json_schema":{"name","description","schema","strict"}}} */
    record JsonSchema(String name, String description, JsonNode schema, Boolean strict, ObjectNode extra)
            implements ResponseFormat {
        public JsonSchema {
            Objects.requireNonNull(name, "name");
            schema = schema == null ? null : schema.deepCopy();
            extra = Extras.copy(extra);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode js = JsonOut.create().str("name", name).str("description", description).node("schema", schema)
                    .bool("strict", strict).extra(extra).build();
            return JsonOut.create().str("type", "json_schema").node("json_schema", js).build();
        }
    }

    record Unknown(ObjectNode raw) implements ResponseFormat {
        public Unknown {
            raw = Objects.requireNonNull(raw, "raw").deepCopy();
        }

        @Override
        public ObjectNode toJson() {
            return raw.deepCopy();
        }
    }

    static ResponseFormat fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonIn in = new JsonIn(node, "response_format");
        String type = in.str("type");
        if (node.size() == 1 && "text".equals(type)) {
            return new Text();
        }
        if (node.size() == 1 && "json_object".equals(type)) {
            return new JsonObject();
        }
        if ("json_schema".equals(type) && node.size() == 2) {
            JsonIn js = new JsonIn(in.raw("json_schema"), "response_format.json_schema");
            String name = js.str("name");
            if (name == null) {
                throw new IllegalArgumentException("response_format.json_schema.name is required");
            }
            return new JsonSchema(name, js.str("description"), js.any("schema"), js.bool("strict"), js.extra());
        }
        return new Unknown((ObjectNode) node);
    }
}
