package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON Schema → Gemini's {@code Schema} (an OpenAPI 3.0 subset), for {@code responseSchema} and function parameters.
 * Keywords Gemini's Schema does not have ({@code additionalProperties}, {@code $schema}, {@code $ref},
 * {@code $defs}, {@code const}, {@code strict} ...) are removed and each removal recorded as
 * {@code stripped:<where>.<keyword>}; a type list with {@code "null"} ({@code ["string","null"]}) becomes the type
 * plus {@code nullable: true} (an exact rewrite, not recorded). Source: ai.google.dev/api/caching#Schema.
 */
final class GeminiSchema {

    static final Set<String> KEYWORDS = Set.of("type", "format", "title", "description", "nullable", "enum",
            "maxItems", "minItems", "properties", "required", "minProperties", "maxProperties", "minLength",
            "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum");

    private GeminiSchema() {
    }

    /** A sanitised copy of {@code schema}; removed keywords are added to {@code adjustments} once each. */
    static JsonNode sanitise(JsonNode schema, String where, List<String> adjustments) {
        Set<String> stripped = new TreeSet<>();
        JsonNode out = schema.deepCopy();
        clean(out, stripped);
        for (String k : stripped) {
            adjustments.add("stripped:" + where + "." + k);
        }
        return out;
    }

    private static void clean(JsonNode node, Set<String> stripped) {
        if (!(node instanceof ObjectNode o)) {
            return;
        }
        List<String> remove = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            if (!KEYWORDS.contains(e.getKey())) {
                remove.add(e.getKey());
            }
        }
        remove.forEach(k -> {
            o.remove(k);
            stripped.add(k);
        });
        JsonNode type = o.get("type");
        if (type != null && type.isArray()) {
            List<String> types = new ArrayList<>();
            type.forEach(t -> types.add(t.asText()));
            if (types.remove("null")) {
                o.put("nullable", true);
            }
            if (types.size() == 1) {
                o.put("type", types.get(0));
            } else {
                o.remove("type");
                ArrayNode any = o.putArray("anyOf");
                types.forEach(t -> any.addObject().put("type", t));
            }
        }
        JsonNode props = o.get("properties");
        if (props instanceof ObjectNode p) {
            p.properties().forEach(e -> clean(e.getValue(), stripped));
        }
        clean(o.get("items"), stripped);
        JsonNode anyOf = o.get("anyOf");
        if (anyOf != null && anyOf.isArray()) {
            anyOf.forEach(n -> clean(n, stripped));
        }
    }
}
