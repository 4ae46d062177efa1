package dev.llmq.ingest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.DisallowUnknownKeywordFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one description of a valid OpenAI chat-completion request: the JSON Schema
 * {@code dev/llmq/ingest/chat-completion-request.schema.json} (every documented field of
 * {@code POST /v1/chat/completions} with its type and range; unknown fields allowed), applied with networknt's
 * validator. A violation becomes OpenAI's 400 {@code invalid_request_error}: {@code param} the path
 * ({@code messages[0].role}), {@code code} as OpenAI names it ({@code invalid_type}, {@code invalid_value},
 * {@code decimal_above_max_value}, {@code missing_required_parameter}...), the message naming the field, what is
 * expected and what was given (cut at {@value #SNIPPET} characters).
 *
 * <p>A schema file rather than Java checks: the rules are data, read in one place, and the file can be diffed against
 * OpenAI's API reference.
 */
final class ChatRequestSchema {

    static final String RESOURCE = "/dev/llmq/ingest/chat-completion-request.schema.json";
    static final int SNIPPET = 40;

    private final JsonNode raw;
    private final JsonSchema schema;

    ChatRequestSchema(ObjectMapper mapper) {
        try (InputStream in = Objects.requireNonNull(ChatRequestSchema.class.getResourceAsStream(RESOURCE), RESOURCE)) {
            this.raw = mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        // a keyword the draft does not define is a mistake in the file (networknt would only log it at each start)
        JsonMetaSchema strict = JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                .unknownKeywordFactory(DisallowUnknownKeywordFactory.getInstance())
                .build();
        this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, f -> f.metaSchema(strict))
                .getSchema(raw);
        schema.initializeValidators();
    }

    /** Throws the first violation of {@code request} (a chat-completion body without llmq's fields) as a 400. */
    void validate(JsonNode request) {
        Set<ValidationMessage> errors = schema.validate(request);
        ValidationMessage first = null;
        for (ValidationMessage m : errors) {
            if (first == null || rank(m) < rank(first)) {
                first = m;
            }
        }
        if (first != null) {
            throw toApiException(first);
        }
    }

    /**
     * A wrong type says the most, then a value outside a set (a part of unknown type also misses the fields of every
     * known one), then a missing field; the rest in the schema's order.
     */
    private static int rank(ValidationMessage m) {
        return switch (m.getType()) {
            case "type" -> 0;
            case "enum", "const" -> 1;
            case "required" -> 2;
            default -> 3;
        };
    }

    private ApiException toApiException(ValidationMessage m) {
        String at = path(m.getInstanceLocation());
        JsonNode given = m.getInstanceNode();
        JsonNode rule = m.getSchemaNode();
        return switch (m.getType()) {
            case "required" -> {
                String param = at.isEmpty() ? m.getProperty() : at + "." + m.getProperty();
                yield ApiException.invalid("missing_required_parameter", param,
                        "Missing required parameter: '" + param + "'.");
            }
            case "type" -> ApiException.invalid("invalid_type", at, "Invalid type for '" + at + "': expected "
                    + expectedTypes(rule) + ", but got " + typeOf(given) + " (" + snippet(given) + ") instead.");
            case "maximum", "minimum" -> {
                boolean above = m.getType().equals("maximum");
                String kind = integerField(m) ? "integer" : "decimal";
                yield ApiException.invalid(kind + (above ? "_above_max_value" : "_below_min_value"), at,
                        "Invalid '" + at + "': " + kind + (above ? " above maximum" : " below minimum")
                                + " value. Expected a value " + (above ? "<= " : ">= ") + rule.asText() + ", but got "
                                + snippet(given) + " instead.");
            }
            case "enum" -> ApiException.invalid("invalid_value", at, "Invalid value for '" + at + "': "
                    + snippet(given) + ". Supported values are: " + list(rule) + ".");
            case "const" -> ApiException.invalid("invalid_value", at, "Invalid value for '" + at + "': "
                    + snippet(given) + ". Expected " + rule + ".");
            case "maxItems" -> ApiException.invalid("array_above_max_length", at, "Invalid '" + at
                    + "': array too long. Expected an array with maximum length " + rule.asText() + ", but got an array"
                    + " with length " + given.size() + " instead.");
            case "minItems" -> ApiException.invalid("empty_array", at, "Invalid '" + at
                    + "': empty array. Expected an array with minimum length " + rule.asText() + ", but got an array"
                    + " with length " + given.size() + " instead.");
            case "minLength" -> ApiException.invalid("empty_string", at, "Invalid '" + at
                    + "': string too short. Expected a string with minimum length " + rule.asText() + ".");
            case "pattern" -> ApiException.invalid("invalid_value", at, "Invalid '" + at + "': string does not match"
                    + " pattern. Expected a string that matches the pattern '" + rule.asText() + "', but got "
                    + snippet(given) + ".");
            default -> ApiException.invalid("invalid_value", at.isEmpty() ? null : at,
                    "Invalid '" + at + "': " + m.getMessage());
        };
    }

    /** Whether the field the keyword belongs to is typed {@code integer} in the schema. */
    private boolean integerField(ValidationMessage m) {
        String location = m.getSchemaLocation().toString();
        int hash = location.indexOf('#');
        String pointer = hash < 0 ? "" : location.substring(hash + 1);
        int slash = pointer.lastIndexOf('/');
        JsonNode type = raw.at(slash <= 0 ? "" : pointer.substring(0, slash)).path("type");
        if (type.isTextual()) {
            return type.asText().equals("integer");
        }
        for (JsonNode t : type) {
            if (t.asText().equals("integer")) {
                return true;
            }
        }
        return false;
    }

    /** {@code messages[0].content}, from the validator's path ({@code $.messages[0].content}). */
    static String path(JsonNodePath p) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < p.getNameCount(); i++) {
            Object element = p.getElement(i);
            if (element instanceof Integer index) {
                out.append('[').append(index).append(']');
            } else {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(element);
            }
        }
        return out.toString();
    }

    private static String expectedTypes(JsonNode rule) {
        if (rule == null || !rule.isArray()) {
            return rule == null ? "another type" : article(rule.asText());
        }
        List<String> names = new ArrayList<>();
        rule.forEach(t -> names.add(article(t.asText())));
        return String.join(" or ", names);
    }

    private static String article(String type) {
        return switch (type) {
            case "null" -> "null";
            case "integer", "object", "array" -> "an " + type;
            default -> "a " + type;
        };
    }

    private static String typeOf(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isIntegralNumber()) {
            return "an integer";
        }
        if (n.isNumber()) {
            return "a decimal";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        return n.isArray() ? "an array" : "an object";
    }

    private static String list(JsonNode values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(v.isNull() ? "null" : "'" + v.asText() + "'"));
        return String.join(", ", out);
    }

    /** The given value as JSON, cut at {@value #SNIPPET} characters so a huge value is never echoed. */
    static String snippet(JsonNode n) {
        if (n != null && n.isTextual() && n.asText().length() > SNIPPET) {
            return "\"" + n.asText().substring(0, SNIPPET) + "…\" (" + n.asText().length() + " characters)";
        }
        if (n != null && n.isContainerNode()) {
            return n.isArray() ? "an array of " + n.size() : "an object of " + n.size() + " fields";
        }
        return cut(n == null ? "null" : n.toString());
    }

    static String cut(String s) {
        return cut(s, SNIPPET);
    }

    /** {@code s}, or its first {@code max} characters and its length. */
    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "… (" + s.length() + " characters)";
    }
}
