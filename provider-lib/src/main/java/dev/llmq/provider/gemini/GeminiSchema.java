package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON Schema → Gemini's {@code Schema} (an OpenAPI 3.0 subset), for {@code responseSchema} and function parameters.
 * Gemini's Schema has no references, so a local {@code $ref} ({@code #/$defs/Name}, {@code #/definitions/Name}, as
 * Pydantic and OpenAI's SDKs write nested models) is replaced by the definition it names, its own sibling keywords
 * on top, and the definitions dropped: an exact rewrite, not recorded. A reference that cannot be inlined (to
 * itself through its definitions, recursion; or to something else) stays and is stripped like any other keyword.
 * Keywords Gemini's Schema does not have ({@code additionalProperties}, {@code $schema}, an unresolved
 * {@code $ref}, {@code const}, {@code strict} ...) are removed and each removal recorded as
 * {@code stripped:<where>.<keyword>}, as is an {@code enum} with other values than strings (Gemini's enum holds
 * strings only; a number is its 400). Exact rewrites, not recorded: a type list with {@code "null"}
 * ({@code ["string","null"]}) becomes the type plus {@code nullable: true}, and so does an {@code anyOf} with a
 * {@code {"type":"null"}} branch (a single other branch merged in, several each {@code nullable}, as LiteLLM's
 * {@code convert_anyof_null_to_nullable}); a string {@code const} becomes a one-value {@code enum}.
 * Source: ai.google.dev/api/caching#Schema.
 */
final class GeminiSchema {

    static final Set<String> KEYWORDS = Set.of("type", "format", "title", "description", "nullable", "enum",
            "maxItems", "minItems", "properties", "required", "minProperties", "maxProperties", "minLength",
            "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum");

    /** Where JSON Schema keeps named subschemas: 2019+ {@code $defs}, draft-07 {@code definitions}. */
    private static final List<String> DEFINITIONS = List.of("$defs", "definitions");

    /**
     * Most JSON nodes the inlined definitions may add to one schema. Definitions that use each other more than once
     * grow with every level (ten levels of two uses each: a thousand copies of the innermost), so a request body of a
     * few kilobytes could otherwise make a worker build millions of nodes; past this, the remaining references are
     * stripped and recorded as ones that cannot be inlined are.
     */
    static final int MAX_INLINED_NODES = 20_000;

    private GeminiSchema() {
    }

    /** A sanitised copy of {@code schema}; removed keywords are added to {@code adjustments} once each. */
    static JsonNode sanitise(JsonNode schema, String where, List<String> adjustments) {
        Set<String> stripped = new TreeSet<>();
        JsonNode out = schema.deepCopy();
        if (out instanceof ObjectNode root) {
            Map<String, JsonNode> defs = new HashMap<>();
            for (String key : DEFINITIONS) {
                if (root.get(key) instanceof ObjectNode named) {
                    named.properties().forEach(e -> defs.put("#/" + key + "/" + e.getKey(), e.getValue()));
                    root.remove(key);
                }
            }
            if (!defs.isEmpty()) {
                out = inline(root, defs, new ArrayDeque<>(), new int[] {MAX_INLINED_NODES});
            }
        }
        clean(out, stripped);
        for (String k : stripped) {
            adjustments.add("stripped:" + where + "." + k);
        }
        return out;
    }

    /**
     * {@code schema} (sanitised) with {@code propertyOrdering} on every object of two properties or more that has none:
     * the properties in the order the caller wrote them. Gemini otherwise orders a response's keys alphabetically
     * (OpenAI keeps the schema's order); as LiteLLM's response schemas ({@code add_property_ordering}).
     */
    static JsonNode ordered(JsonNode schema) {
        if (schema instanceof ObjectNode o) {
            JsonNode props = o.get("properties");
            if (props instanceof ObjectNode p) {
                if (p.size() > 1 && !o.has("propertyOrdering")) {
                    ArrayNode order = o.putArray("propertyOrdering");
                    p.properties().forEach(e -> order.add(e.getKey()));
                }
                p.properties().forEach(e -> ordered(e.getValue()));
            }
            ordered(o.get("items"));
            JsonNode anyOf = o.get("anyOf");
            if (anyOf != null && anyOf.isArray()) {
                anyOf.forEach(GeminiSchema::ordered);
            }
        }
        return schema;
    }

    /**
     * {@code node} with every {@code $ref} to one of {@code defs} replaced by a copy of the definition (refs inside
     * it inlined too), except one already being inlined further up ({@code open}: a recursive schema) and those met
     * once the copies would pass {@code budget[0]} more nodes.
     */
    private static JsonNode inline(JsonNode node, Map<String, JsonNode> defs, Deque<String> open, int[] budget) {
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, inline(array.get(i), defs, open, budget));
            }
            return array;
        }
        if (!(node instanceof ObjectNode o)) {
            return node;
        }
        JsonNode ref = o.get("$ref");
        if (ref != null && ref.isTextual() && defs.get(ref.asText()) instanceof ObjectNode def
                && !open.contains(ref.asText()) && (budget[0] -= nodes(def)) >= 0) {
            ObjectNode resolved = def.deepCopy();
            o.remove("$ref");
            o.properties().forEach(e -> resolved.set(e.getKey(), e.getValue()));
            open.push(ref.asText());
            JsonNode out = inline(resolved, defs, open, budget);
            open.pop();
            return out;
        }
        for (String key : o.properties().stream().map(Map.Entry::getKey).toList()) {
            o.set(key, inline(o.get(key), defs, open, budget));
        }
        return o;
    }

    /** How many JSON nodes {@code node} holds, itself included. */
    private static int nodes(JsonNode node) {
        int n = 1;
        for (JsonNode child : node) {
            n += nodes(child);
        }
        return n;
    }

    private static void clean(JsonNode node, Set<String> stripped) {
        if (!(node instanceof ObjectNode o)) {
            return;
        }
        JsonNode constant = o.get("const");
        if (constant != null && constant.isTextual() && !o.has("enum")
                && (!o.has("type") || "string".equals(o.get("type").asText()))) {
            o.put("type", "string").remove("const");
            o.putArray("enum").add(constant);
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
        JsonNode values = o.get("enum");
        if (values != null && !(values.isArray() && values.valueStream().allMatch(JsonNode::isTextual))) {
            o.remove("enum");
            stripped.add("enum");
        }
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
            nullable(o, (ArrayNode) anyOf);
        }
    }

    /**
     * {@code anyOf} with a {@code {"type": "null"}} branch, as Pydantic writes an {@code Optional} field: the other
     * branches with {@code nullable: true}, a single one merged into {@code o} (its own keywords first).
     */
    private static void nullable(ObjectNode o, ArrayNode anyOf) {
        List<JsonNode> rest = new ArrayList<>();
        anyOf.forEach(n -> {
            if (!(n.size() == 1 && "null".equals(n.path("type").asText()))) {
                rest.add(n);
            }
        });
        if (rest.size() == anyOf.size() || rest.isEmpty()) {
            return;
        }
        anyOf.removeAll();
        if (rest.size() == 1 && rest.getFirst() instanceof ObjectNode only) {
            o.remove("anyOf");
            only.properties().forEach(e -> {
                if (!o.has(e.getKey())) {
                    o.set(e.getKey(), e.getValue());
                }
            });
            o.put("nullable", true);
            return;
        }
        rest.forEach(n -> anyOf.add(n instanceof ObjectNode b ? b.put("nullable", true) : n));
    }
}
