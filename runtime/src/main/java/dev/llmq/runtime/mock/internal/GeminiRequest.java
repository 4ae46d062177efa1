package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The parts of a Gemini {@code generateContent} request the mock acts on. */
record GeminiRequest(JsonNode contents, List<String> texts, int candidateCount, Integer maxOutputTokens,
                     ReplyPlanner.JsonMode jsonMode, ReplyPlanner.ForcedTool tool, List<String> stop,
                     boolean includeThoughts) {

    /**
     * The fields of Gemini's {@code Schema} (ai.google.dev/api/caching#Schema), in the JSON names Gemini reads: camel
     * case and the proto's own snake case.
     */
    private static final Set<String> SCHEMA_FIELDS = Set.of("type", "format", "title", "description", "nullable",
            "enum", "maxItems", "max_items", "minItems", "min_items", "properties", "required", "minProperties",
            "min_properties", "maxProperties", "max_properties", "minLength", "min_length", "maxLength", "max_length",
            "pattern", "example", "anyOf", "any_of", "propertyOrdering", "property_ordering", "default", "items",
            "minimum", "maximum");

    private static final Set<String> PART_KINDS = Set.of("text", "inlineData", "fileData", "functionCall",
            "functionResponse", "executableCode", "codeExecutionResult", "thought", "thoughtSignature");

    /**
     * The models that take {@code presencePenalty} and {@code frequencyPenalty}: Gemini 1.5 and 2.0; Gemini 2.5 and
     * later answer 400 "Penalty is not enabled for models/..." (BerriAI/litellm#32273, vercel/ai#8943). The same
     * rule as provider-lib's {@code GeminiRequestMapper.acceptsPenalties}, kept here because the mock (runtime) does
     * not depend on provider-lib; {@code MockRefusalsAgreeWithAdaptersTest} (worker) checks that the two agree.
     */
    private static final Pattern PENALTY_MODELS = Pattern.compile("gemini-(1\\.|2\\.0).*");

    /**
     * The models that take {@code thinkingConfig.thinkingLevel} (Gemini 3 and the {@code -latest} aliases that point
     * at it; Gemini 2.x answer 400 "Thinking level is not supported for this model."), and those of them without
     * {@code minimal} (the Pro models, Flash from 3.7, the Pro and Flash aliases, which may point at one) or
     * {@code medium} (Gemini 3 Pro): the same rules as provider-lib's {@code GeminiRequestMapper.levelsOf}, held to
     * them by {@code MockRefusalsAgreeWithAdaptersTest} (worker).
     */
    private static final Pattern LEVEL_MODELS = Pattern.compile("gemini-3(\\.\\d+)?-.*"
            + "|gemini-(pro|flash|flash-lite)-latest");
    private static final Pattern NO_MINIMAL = Pattern.compile("gemini-3(\\.\\d+)?-pro.*|gemini-3\\.[7-9]-flash.*"
            + "|gemini-(pro|flash)-latest");
    private static final Pattern NO_MEDIUM = Pattern.compile("gemini-3-pro.*");
    /**
     * The models that cannot turn thinking off (a {@code thinkingBudget} of 0 is a 400 "Budget 0 is invalid. This
     * model only works in thinking mode."): Gemini 2.5 Pro and the Gemini 3 models without {@code minimal}; the
     * rule of provider-lib's {@code GeminiRequestMapper.alwaysThinks}, held to it by
     * {@code MockRefusalsAgreeWithAdaptersTest} (worker).
     */
    private static final Pattern ALWAYS_THINKING = Pattern.compile("gemini-2\\.5-pro.*|" + NO_MINIMAL.pattern());

    /** Thrown for a request Gemini rejects with 400 {@code INVALID_ARGUMENT}. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** The request for {@code model} (the path's model segment), or {@link Invalid} where Gemini answers 400. */
    static GeminiRequest parse(JsonNode body, String model) throws Invalid {
        if (body == null || !body.isObject()) {
            throw new Invalid("Invalid JSON payload received. Expected an object.");
        }
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw new Invalid("* GenerateContentRequest.contents: contents is not specified\n");
        }
        List<String> texts = new ArrayList<>();
        JsonNode system = body.get("systemInstruction");
        if (system != null && !system.isNull()) {
            texts.add(partsText(system.get("parts"), "systemInstruction"));
        }
        for (int i = 0; i < contents.size(); i++) {
            JsonNode c = contents.get(i);
            String role = c.path("role").asText("user");
            if (!role.equals("user") && !role.equals("model")) {
                throw new Invalid("Please use a valid role: user, model.");
            }
            JsonNode parts = c.get("parts");
            if (parts == null || !parts.isArray() || parts.isEmpty()) {
                throw new Invalid("* GenerateContentRequest.contents[" + i + "].parts: contents.parts must not be "
                        + "empty.\n");
            }
            texts.add(partsText(parts, "contents[" + i + "]"));
        }
        JsonNode config = body.path("generationConfig");
        int candidates = config.path("candidateCount").asInt(1);
        if (candidates < 1 || candidates > 8) {
            throw new Invalid("* GenerateContentRequest.generation_config.candidate_count: must be between 1 and 8\n");
        }
        Integer max = config.has("maxOutputTokens") ? config.get("maxOutputTokens").asInt() : null;
        if (max != null && max < 1) {
            throw new Invalid("* GenerateContentRequest.generation_config.max_output_tokens: must be positive\n");
        }
        JsonNode seed = config.get("seed");
        if (seed != null && seed.isIntegralNumber() && !seed.canConvertToInt()) {
            // an int32 in Gemini's GenerationConfig; llmq's adapter refuses (or drops) a larger OpenAI seed
            throw new Invalid("Invalid value at 'generation_config.seed' (TYPE_INT32), " + seed);
        }
        declarations(body.path("tools"));
        schema(config.get("responseSchema"), "generation_config.response_schema");
        penalties(config, model);
        thinking(config.path("thinkingConfig"), model);
        List<String> stop = new ArrayList<>();
        config.path("stopSequences").forEach(s -> stop.add(s.asText()));
        JsonNode thinking = config.path("thinkingConfig");
        boolean thoughts = thinking.path("includeThoughts").asBoolean(false)
                && thinking.path("thinkingBudget").asInt(-1) != 0;
        return new GeminiRequest(contents, texts, candidates, max, jsonMode(config), tool(body), stop, thoughts);
    }

    /**
     * Gemini's 400 to a function declaration whose {@code parameters} are an object without properties (a function
     * without arguments is declared without {@code parameters}; llmq's adapter leaves them out).
     */
    private static void declarations(JsonNode tools) throws Invalid {
        for (int t = 0; t < tools.size(); t++) {
            JsonNode declarations = tools.get(t).path("functionDeclarations");
            for (int d = 0; d < declarations.size(); d++) {
                JsonNode params = declarations.get(d).path("parameters");
                schema(params, "tools[" + t + "].function_declarations[" + d + "].parameters");
                if ("OBJECT".equalsIgnoreCase(params.path("type").asText()) && params.path("properties").isEmpty()) {
                    throw new Invalid("* GenerateContentRequest.tools[" + t + "].function_declarations[" + d
                            + "].parameters.properties: should be non-empty for OBJECT type\n");
                }
            }
        }
    }

    /**
     * Gemini's 400 to a {@code Schema} (response schema, function parameters: an OpenAPI subset, a proto message)
     * with a field it does not have ({@code additionalProperties}, {@code $ref}, {@code const} ...), a list for
     * {@code type} or an {@code enum} value other than a string, at the path Gemini names
     * ({@code properties[i].value}, {@code items}, {@code any_of[i]}).
     * llmq's adapter rewrites or strips those JSON Schema keywords.
     */
    private static void schema(JsonNode schema, String at) throws Invalid {
        if (schema == null || !schema.isObject()) {
            return;
        }
        for (Map.Entry<String, JsonNode> e : schema.properties()) {
            if (!SCHEMA_FIELDS.contains(e.getKey())) {
                throw new Invalid("Invalid JSON payload received. Unknown name \"" + e.getKey() + "\" at '" + at
                        + "': Cannot find field.");
            }
        }
        JsonNode values = schema.path("enum");
        for (int v = 0; v < values.size(); v++) {
            if (!values.get(v).isTextual()) {
                throw new Invalid("Invalid value at '" + at + ".enum[" + v + "]' (TYPE_STRING), " + values.get(v));
            }
        }
        if (schema.path("type").isArray()) {
            throw new Invalid("Invalid JSON payload received. Unknown name \"type\" at '" + at + "': Proto field is "
                    + "not repeating, cannot start list.");
        }
        int i = 0;
        for (Map.Entry<String, JsonNode> e : schema.path("properties").properties()) {
            schema(e.getValue(), at + ".properties[" + i++ + "].value");
        }
        schema(schema.get("items"), at + ".items");
        JsonNode anyOf = schema.has("anyOf") ? schema.get("anyOf") : schema.path("any_of");
        for (int a = 0; a < anyOf.size(); a++) {
            schema(anyOf.get(a), at + ".any_of[" + a + "]");
        }
    }

    /** A non-zero penalty for a model without penalties is Gemini's 400; a zero one is accepted. */
    private static void penalties(JsonNode config, String model) throws Invalid {
        if (PENALTY_MODELS.matcher(bare(model)).matches()) {
            return;
        }
        for (String penalty : List.of("presencePenalty", "frequencyPenalty")) {
            JsonNode value = config.get(penalty);
            if (value != null && !value.isNull() && value.asDouble() != 0) {
                throw new Invalid("Penalty is not enabled for models/" + model);
            }
        }
    }

    /**
     * Gemini's 400s for a thinking config: a budget of 0 on a model that always thinks, a level and a budget
     * together, a level on a model before Gemini 3, a level the model does not take, a level that is not one.
     */
    private static void thinking(JsonNode thinking, String model) throws Invalid {
        JsonNode budget = thinking.get("thinkingBudget");
        if (budget != null && budget.isNumber() && budget.asInt() == 0
                && ALWAYS_THINKING.matcher(bare(model)).matches()) {
            throw new Invalid("Budget 0 is invalid. This model only works in thinking mode.");
        }
        JsonNode level = thinking.get("thinkingLevel");
        if (level == null || level.isNull()) {
            return;
        }
        if (budget != null && !budget.isNull()) {
            throw new Invalid("thinking_budget and thinking_level are not supported together.");
        }
        String name = level.asText().toUpperCase(Locale.ROOT);
        if (!Set.of("MINIMAL", "LOW", "MEDIUM", "HIGH").contains(name)) {
            throw new Invalid("Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis"
                    + ".com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), \"" + level.asText()
                    + "\"");
        }
        String bare = bare(model);
        if (!LEVEL_MODELS.matcher(bare).matches()) {
            throw new Invalid("Thinking level is not supported for this model.");
        }
        if (name.equals("MINIMAL") && NO_MINIMAL.matcher(bare).matches()
                || name.equals("MEDIUM") && NO_MEDIUM.matcher(bare).matches()) {
            throw new Invalid("Thinking level " + name + " is not supported for this model. Please retry with other "
                    + "thinking level.");
        }
    }

    /** The model's name in lower case without the {@code models/} prefix. */
    private static String bare(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        return m.startsWith("models/") ? m.substring(7) : m;
    }

    private static String partsText(JsonNode parts, String where) throws Invalid {
        StringBuilder sb = new StringBuilder();
        if (parts == null || !parts.isArray()) {
            return "";
        }
        for (JsonNode part : parts) {
            Iterator<Map.Entry<String, JsonNode>> fields = part.fields();
            boolean known = false;
            while (fields.hasNext()) {
                known |= PART_KINDS.contains(fields.next().getKey());
            }
            if (!known) {
                throw new Invalid("* GenerateContentRequest." + where + ".parts: a part must have one of text, "
                        + "inlineData, fileData, functionCall or functionResponse\n");
            }
            if (part.path("text").isTextual()) {
                sb.append(' ').append(part.get("text").asText());
            } else if (part.has("functionResponse")) {
                sb.append(' ').append(part.get("functionResponse").path("response"));
            }
        }
        return sb.toString();
    }

    private static ReplyPlanner.JsonMode jsonMode(JsonNode config) throws Invalid {
        String mime = config.path("responseMimeType").asText("text/plain");
        return switch (mime) {
            case "text/plain", "text/x.enum" -> new ReplyPlanner.JsonMode.None();
            case "application/json" -> {
                JsonNode schema = config.has("responseJsonSchema") ? config.get("responseJsonSchema")
                        : config.get("responseSchema");
                yield schema == null || schema.isNull() ? new ReplyPlanner.JsonMode.AnyObject()
                        : new ReplyPlanner.JsonMode.Schema(lowerCaseTypes(schema.deepCopy()));
            }
            default -> throw new Invalid("* GenerateContentRequest.generation_config.response_mime_type: allowed "
                    + "mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and "
                    + "`text/x.enum`.\n");
        };
    }

    /** Gemini's OpenAPI-style schemas spell types in capitals ({@code OBJECT}, {@code STRING}). */
    private static JsonNode lowerCaseTypes(JsonNode schema) {
        if (schema instanceof ObjectNode obj) {
            if (obj.path("type").isTextual()) {
                obj.put("type", obj.get("type").asText().toLowerCase(Locale.ROOT));
            }
            obj.forEach(GeminiRequest::lowerCaseTypes);
        } else if (schema != null && schema.isArray()) {
            schema.forEach(GeminiRequest::lowerCaseTypes);
        }
        return schema;
    }

    private static ReplyPlanner.ForcedTool tool(JsonNode body) throws Invalid {
        JsonNode cfg = body.path("toolConfig").path("functionCallingConfig");
        String mode = cfg.path("mode").asText("AUTO");
        List<JsonNode> declarations = new ArrayList<>();
        body.path("tools").forEach(t -> t.path("functionDeclarations").forEach(declarations::add));
        return switch (mode) {
            case "AUTO", "NONE", "MODE_UNSPECIFIED", "VALIDATED" -> null;
            case "ANY" -> {
                if (declarations.isEmpty()) {
                    throw new Invalid("Function calling config is set without function_declarations.");
                }
                JsonNode allowed = cfg.path("allowedFunctionNames");
                String name = allowed.isArray() && !allowed.isEmpty() ? allowed.get(0).asText()
                        : declarations.getFirst().path("name").asText();
                for (JsonNode d : declarations) {
                    if (name.equals(d.path("name").asText())) {
                        JsonNode params = d.has("parametersJsonSchema") ? d.get("parametersJsonSchema")
                                : d.get("parameters");
                        yield new ReplyPlanner.ForcedTool(name,
                                params == null ? null : lowerCaseTypes(params.deepCopy()), true);
                    }
                }
                throw new Invalid("* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names"
                        + ": function '" + name + "' is not declared\n");
            }
            default -> throw new Invalid("Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis"
                    + ".com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), \"" + mode + "\"");
        };
    }
}
