package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.internal.CheckedRequest;
import dev.llmq.provider.internal.WireJson;
import dev.llmq.provider.model.ChatRequest;
import dev.llmq.provider.model.ResponseFormat;
import dev.llmq.provider.model.Tool;
import dev.llmq.provider.model.ToolChoice;
import dev.llmq.provider.spi.MappedRequest;
import dev.llmq.provider.spi.ParameterSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Canonical (OpenAI) request → Gemini {@code GenerateContentRequest} (piece 2).
 *
 * <ul>
 *   <li>{@code generationConfig} by a rename table: temperature → temperature, top_p → topP, top_k → topK,
 *       max_completion_tokens (else max_tokens) → maxOutputTokens, stop → stopSequences, n → candidateCount,
 *       seed → seed, presence_penalty → presencePenalty, frequency_penalty → frequencyPenalty; the penalties
 *       only for the models that take them ({@link #acceptsPenalties}: Gemini 1.5 and 2.0). Gemini 2.5 and later
 *       answer 400 "Penalty is not enabled for models/..." (BerriAI/litellm#32273, PublicAffairs/openai-gemini#63):
 *       for them a non-zero penalty is unsupported (with {@code drop_params} dropped and recorded) and a zero one,
 *       OpenAI's default, is left out (an exact rewrite, not recorded);</li>
 *   <li>messages: {@link GeminiContents}; tools → {@code tools[{functionDeclarations}]} (parameters sanitised by
 *       {@link GeminiSchema}, left out for a function without arguments, {@link #takesNoArguments}); tool_choice →
 *       {@code toolConfig.functionCallingConfig} (auto → AUTO, required → ANY, none → NONE, a named function → ANY
 *       with {@code allowedFunctionNames}; without tools left out, or refused where it forces a call,
 *       {@link #toolsFor});</li>
 *   <li>{@code response_format}: json_object → {@code responseMimeType: application/json}; json_schema → that plus
 *       {@code responseSchema} (sanitised, strips recorded; with the properties' order,
 *       {@link GeminiSchema#ordered});</li>
 *   <li>{@code reasoning_effort} → {@code thinkingConfig}, with {@code includeThoughts} (thought parts come back
 *       as {@code reasoning_content}). Gemini 1.x/2.x take a {@code thinkingBudget}: none → 0 (thinking off),
 *       minimal 128, low 1024, medium 2048, high 4096. Per model, as Google documents its budgets: Gemini 2.5 Pro
 *       cannot turn thinking off (a budget of 0 is a 400, "this model only works in thinking mode"), so
 *       {@code none} is unsupported there ({@link #alwaysThinks}); Gemini 2.5 Flash-Lite takes budgets from 512, so
 *       its {@code minimal} is 512 ({@link #minimalBudget}). Gemini 3 takes a {@code thinkingLevel} instead
 *       ({@link #takesLevels}; Google: budgets are for backward compatibility there and may perform worse; Gemini
 *       2.x answer a level with 400 "Thinking level is not supported for this model"). The level is the effort's
 *       name where the model takes it ({@link #levelsOf}), else the nearest above: {@code minimal} → low on the
 *       models without {@code minimal} (the Pro models, Flash from 3.7), {@code medium} → high on Gemini 3 Pro
 *       (3.0); {@code none} → minimal without thoughts (Google: minimal matches "no thinking" for most queries;
 *       Gemini 3 has no level that turns thinking off), unsupported where the model has no {@code minimal}. As
 *       LiteLLM's {@code _map_reasoning_effort_to_thinking_level};</li>
 *   <li>unsupported: {@code parallel_tool_calls: false} (Gemini cannot forbid parallel calls), {@code logprobs:
 *       true}, a {@code seed} outside 32 bits (Gemini's seed is an int32, a larger one is a 400; OpenAI's is 64
 *       bits), and any parameter not in {@link #SUPPORT} ({@code user}, {@code logit_bias}, {@code top_logprobs}
 *       ...): an error naming it, or dropped and recorded with {@code drop_params};</li>
 *   <li>{@code stream_options} is consumed: Gemini reports usage on every stream event.</li>
 * </ul>
 */
public final class GeminiRequestMapper {

    static final Map<String, Integer> THINKING_BUDGETS = Map.of("none", 0, "minimal", 128, "low", 1024,
            "medium", 2048, "high", 4096);

    /** Gemini 3's thinking levels, lowest first. */
    static final List<String> LEVELS = List.of("minimal", "low", "medium", "high");

    /** What this adapter maps; anything else is unsupported. */
    public static final ParameterSupport SUPPORT = new ParameterSupport(Map.of(
            "parallel_tool_calls", v -> !v.asBoolean(false),
            "logprobs", v -> v.asBoolean(true),
            "reasoning_effort", v -> !v.isTextual() || !THINKING_BUDGETS.containsKey(v.asText()),
            "seed", v -> v.isIntegralNumber() && !v.canConvertToInt()),
            Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k",
                    "stop", "n", "seed", "presence_penalty", "frequency_penalty", "stream", "stream_options",
                    "tools", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort",
                    "logprobs"));

    /** {@link #SUPPORT} for a model without penalties: any but a zero {@code presence_/frequency_penalty}. */
    public static final ParameterSupport WITHOUT_PENALTIES = SUPPORT
            .denyingValues("presence_penalty", v -> !v.isNumber() || v.asDouble() != 0)
            .denyingValues("frequency_penalty", v -> !v.isNumber() || v.asDouble() != 0);

    /** {@link #WITHOUT_PENALTIES} for a model that cannot turn thinking off: {@code reasoning_effort: none} too. */
    private static final ParameterSupport WITHOUT_THINKING_OFF = WITHOUT_PENALTIES.denyingValues("reasoning_effort",
            SUPPORT.unsupported().get("reasoning_effort").or(v -> "none".equals(v.asText())));

    private static final Pattern PENALTY_MODELS = Pattern.compile("gemini-(1\\.|2\\.0).*");
    private static final Pattern BUDGETS_FROM_512 = Pattern.compile("gemini-2\\.5-flash-lite.*");
    /**
     * Gemini 3, and Google's {@code -latest} aliases, which point at Gemini 3 models since 2026-01-21 (changelog:
     * gemini-pro-latest → gemini-3-pro-preview, then 3.1 Pro; gemini-flash-latest → gemini-3-flash-preview, then
     * each newer Flash) and move at every release without notice to llmq.
     */
    private static final Pattern LEVEL_MODELS = Pattern.compile("gemini-3(\\.\\d+)?-.*"
            + "|gemini-(pro|flash|flash-lite)-latest");
    /**
     * Gemini 3 models without the {@code minimal} level: the Pro models and Flash from 3.7 (400 otherwise), and the
     * aliases that may point at one (a Flash from 3.7 on is what gemini-flash-latest moves to): {@code minimal}
     * becomes {@code low} there, which every Gemini 3 model takes.
     */
    private static final Pattern NO_MINIMAL = Pattern.compile("gemini-3(\\.\\d+)?-pro.*|gemini-3\\.[7-9]-flash.*"
            + "|gemini-(pro|flash)-latest");
    /** Gemini 3 Pro (3.0) takes {@code low} and {@code high} only ("Thinking level MEDIUM is not supported"). */
    private static final Pattern NO_MEDIUM = Pattern.compile("gemini-3-pro.*");
    private static final Pattern ALWAYS_THINKING = Pattern.compile("gemini-2\\.5-pro.*|" + NO_MINIMAL.pattern());

    /**
     * Whether a model takes {@code presencePenalty} / {@code frequencyPenalty}: Gemini 1.5 and 2.0 only. The mock LLM
     * server (runtime) keeps a copy of this rule to answer penalties with Gemini's 400;
     * {@code MockRefusalsAgreeWithAdaptersTest} (worker) holds the two to the same models.
     */
    static boolean acceptsPenalties(String model) {
        return PENALTY_MODELS.matcher(bare(model)).matches();
    }

    /**
     * Whether a model cannot turn thinking off: Gemini 2.5 Pro (no budget 0) and the Gemini 3 models without the
     * {@code minimal} level.
     */
    static boolean alwaysThinks(String model) {
        return ALWAYS_THINKING.matcher(bare(model)).matches();
    }

    /** The budget {@code reasoning_effort: minimal} asks for: the smallest the model takes. */
    static int minimalBudget(String model) {
        return BUDGETS_FROM_512.matcher(bare(model)).matches() ? 512 : THINKING_BUDGETS.get("minimal");
    }

    /** Whether a model takes {@code thinkingConfig.thinkingLevel} (Gemini 3) rather than a budget. */
    static boolean takesLevels(String model) {
        return LEVEL_MODELS.matcher(bare(model)).matches();
    }

    /** The thinking levels a Gemini 3 model takes, lowest first. */
    static List<String> levelsOf(String model) {
        String m = bare(model);
        List<String> levels = new ArrayList<>(LEVELS);
        if (NO_MINIMAL.matcher(m).matches()) {
            levels.remove("minimal");
        }
        if (NO_MEDIUM.matcher(m).matches()) {
            levels.remove("medium");
        }
        return levels;
    }

    /** The model's name in lower case without the {@code models/} prefix Gemini's own names carry. */
    private static String bare(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        return m.startsWith("models/") ? m.substring(7) : m;
    }

    /**
     * What a model supports: {@link #SUPPORT} less the penalties and a thinking-off the model refuses (the models
     * that always think are all of those without penalties).
     */
    private static ParameterSupport supportOf(String model, boolean penalties) {
        return penalties ? SUPPORT : alwaysThinks(model) ? WITHOUT_THINKING_OFF : WITHOUT_PENALTIES;
    }

    public MappedRequest map(ProviderTarget target, ObjectNode openAiRequest) {
        List<String> adjustments = new ArrayList<>();
        boolean penalties = acceptsPenalties(target.model());
        CheckedRequest checkedRequest = CheckedRequest.of(openAiRequest, target, supportOf(target.model(), penalties),
                penalties ? "gemini" : "gemini " + target.model(), adjustments);
        ObjectNode checked = checkedRequest.json();
        ChatRequest req = checkedRequest.request();
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode body = f.objectNode();
        GeminiContents contents = new GeminiContents();
        ArrayNode wireContents = contents.contents(req.messages(), adjustments);
        body.set("contents", wireContents);
        if (!contents.systemParts().isEmpty()) {
            body.putObject("systemInstruction").set("parts", contents.systemParts());
        }
        if (req.tools() != null && !req.tools().isEmpty()) {
            ArrayNode decls = body.putArray("tools").addObject().putArray("functionDeclarations");
            for (Tool t : req.tools()) {
                decls.add(declaration(t, adjustments));
            }
        }
        ObjectNode calling = functionCalling(req.toolChoice());
        if (calling != null && toolsFor(calling, req.tools())) {
            body.putObject("toolConfig").set("functionCallingConfig", calling);
        }
        ObjectNode gen = generationConfig(req, checked, penalties, target.model(), adjustments);
        if (!gen.isEmpty()) {
            body.set("generationConfig", gen);
        }
        boolean wantsUsage = req.streamOptions() != null && Boolean.TRUE.equals(req.streamOptions().includeUsage());
        return new MappedRequest(body, adjustments, wantsUsage);
    }

    private static ObjectNode generationConfig(ChatRequest req, ObjectNode checked, boolean penalties,
                                               String model, List<String> adjustments) {
        ObjectNode gen = JsonNodeFactory.instance.objectNode();
        if (req.stop() != null && !req.stop().isEmpty()) {
            ArrayNode stops = gen.putArray("stopSequences");
            req.stop().forEach(stops::add);
        }
        Integer max = req.maxCompletionTokens() != null ? req.maxCompletionTokens() : req.maxTokens();
        putNumber(gen, "maxOutputTokens", max);
        putNumber(gen, "temperature", req.temperature());
        putNumber(gen, "topP", req.topP());
        JsonNode topK = checked.get("top_k");
        if (topK != null && topK.isNumber()) {
            gen.set("topK", topK);
        }
        putNumber(gen, "candidateCount", req.n());
        putNumber(gen, "seed", req.seed());
        if (penalties) {
            putNumber(gen, "presencePenalty", req.presencePenalty());
            putNumber(gen, "frequencyPenalty", req.frequencyPenalty());
        }
        switch (req.responseFormat()) {
            case null -> { }
            case ResponseFormat.Text text -> { }
            case ResponseFormat.JsonObject json -> gen.put("responseMimeType", "application/json");
            case ResponseFormat.JsonSchema js -> {
                gen.put("responseMimeType", "application/json");
                if (js.schema() != null) {
                    gen.set("responseSchema", GeminiSchema.ordered(GeminiSchema.sanitise(js.schema(),
                            "response_schema", adjustments)));
                }
            }
            case ResponseFormat.Unknown u -> throw WireJson.unsupported("response_format", "gemini does not support "
                    + "response_format type '" + u.raw().path("type").asText() + "'");
        }
        if (req.reasoningEffort() != null) {
            gen.set("thinkingConfig", thinkingConfig(req.reasoningEffort(), model));
        }
        return gen;
    }

    /** {@code reasoning_effort} (one the model supports) → a level on Gemini 3, a budget before. */
    private static ObjectNode thinkingConfig(String effort, String model) {
        ObjectNode thinking = JsonNodeFactory.instance.objectNode();
        if (takesLevels(model)) {
            List<String> levels = levelsOf(model);
            String level = "none".equals(effort) ? "minimal" : effort;
            while (!levels.contains(level)) {
                level = LEVELS.get(LEVELS.indexOf(level) + 1);
            }
            thinking.put("thinkingLevel", level);
        } else {
            thinking.put("thinkingBudget", "minimal".equals(effort) ? minimalBudget(model)
                    : THINKING_BUDGETS.get(effort));
        }
        if (!"none".equals(effort)) {
            thinking.put("includeThoughts", true);
        }
        return thinking;
    }

    private static ObjectNode declaration(Tool t, List<String> adjustments) {
        if (!"function".equals(t.type())) {
            throw WireJson.invalid("gemini adapter supports function tools only, not '" + t.type() + "'", "tools");
        }
        ObjectNode d = JsonNodeFactory.instance.objectNode().put("name", t.name());
        if (t.description() != null) {
            d.put("description", t.description());
        }
        if (t.parameters() != null) {
            JsonNode params = GeminiSchema.sanitise(t.parameters(), "tools." + t.name() + ".parameters", adjustments);
            if (!takesNoArguments(params)) {
                d.set("parameters", params);
            }
        }
        return d;
    }

    /**
     * Whether sanitised function parameters describe no arguments: an object (or untyped) schema without properties,
     * as OpenAI clients write a function that takes none ({@code {"type":"object","properties":{}}}). Gemini answers
     * such parameters with 400 "parameters.properties: should be non-empty for OBJECT type"; a declaration without
     * {@code parameters} is its way to say the same.
     */
    private static boolean takesNoArguments(JsonNode params) {
        JsonNode type = params.get("type");
        return params.isObject() && params.path("properties").isEmpty() && !params.has("anyOf")
                && (type == null || "object".equalsIgnoreCase(type.asText()));
    }

    /**
     * Whether the request has the functions a {@code functionCallingConfig} needs: mode {@code ANY} without function
     * declarations is Gemini's 400 ("Function calling config is set without function_declarations", the mock's too).
     * Without tools, {@code auto} and {@code none} say nothing (no function can be called) and are left out;
     * {@code required} or a named function, like a named function that is not among the tools, is an invalid
     * request, as OpenAI has it.
     */
    private static boolean toolsFor(ObjectNode calling, List<Tool> tools) {
        boolean any = "ANY".equals(calling.path("mode").asText());
        if (tools == null || tools.isEmpty()) {
            if (any) {
                throw WireJson.invalid("tool_choice requires tools: the request declares no function to call",
                        "tool_choice");
            }
            return false;
        }
        for (JsonNode name : calling.path("allowedFunctionNames")) {
            if (tools.stream().noneMatch(t -> name.asText().equals(t.name()))) {
                throw WireJson.invalid("tool_choice names function '" + name.asText() + "', which is not among the "
                        + "tools", "tool_choice");
            }
        }
        return true;
    }

    /** auto → AUTO, required → ANY, none → NONE, a named function → ANY + allowedFunctionNames. */
    static ObjectNode functionCalling(ToolChoice choice) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (choice) {
            case null -> null;
            case ToolChoice.Of of -> f.objectNode().put("mode", switch (of.mode()) {
                case AUTO -> "AUTO";
                case REQUIRED -> "ANY";
                case NONE -> "NONE";
            });
            case ToolChoice.Function fn -> {
                ObjectNode c = f.objectNode().put("mode", "ANY");
                c.putArray("allowedFunctionNames").add(fn.name());
                yield c;
            }
            case ToolChoice.Unknown u -> throw WireJson.unsupported("tool_choice",
                    "gemini does not support this tool_choice form: " + u.raw());
        };
    }

    private static void putNumber(ObjectNode o, String field, Number v) {
        if (v instanceof Double d) {
            o.put(field, d);
        } else if (v instanceof Long l) {
            o.put(field, l);
        } else if (v instanceof Integer i) {
            o.put(field, i);
        }
    }
}
