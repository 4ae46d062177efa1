package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Canonical (OpenAI) request → Anthropic Messages body (piece 2).
 *
 * <ul>
 *   <li>one-to-one renames: {@code stop} → {@code stop_sequences} (whitespace-only values are unsupported),
 *       {@code user} → {@code metadata.user_id} (an email address or more than 256 characters is unsupported:
 *       {@link #userId}), {@code max_completion_tokens} (else {@code max_tokens}) →
 *       {@code max_tokens}; {@code temperature}, {@code top_p}, {@code top_k} as they are, but a
 *       {@code temperature} above 1, which Anthropic refuses, is unsupported (not clamped; {@link #temperature});</li>
 *   <li>{@code temperature} and {@code top_p} together: Claude models from Opus 4.1 on (Sonnet 4.5, Haiku 4.5 ...)
 *       answer 400 "cannot both be specified for this model" (docs: models/migrating-to-claude-4, "use only
 *       temperature OR top_p"), so for them {@code top_p} next to a {@code temperature} is unsupported (with
 *       {@code drop_params} dropped and recorded as {@code dropped:top_p}); the older models
 *       ({@link #acceptsTemperatureWithTopP}) still get both;</li>
 *   <li>{@code max_tokens} is required by Anthropic: when the request has none it is filled from the model's
 *       {@code max_output_tokens} in the price table, else {@value #DEFAULT_MAX_TOKENS} (above a thinking budget:
 *       the budget plus {@value #DEFAULT_MAX_TOKENS}), and recorded as {@code filled:max_tokens=N}; a request's own
 *       {@code max_tokens} not above the thinking budget makes {@code reasoning_effort} unsupported;</li>
 *   <li>messages, system, tools, tool choice: {@link AnthropicMessages}; a tool history without tools gets tools
 *       of its names and {@code tool_choice: none} ({@link #toolsFromHistory});</li>
 *   <li>{@code response_format} ({@code json_object} / {@code json_schema}) goes through a forced tool named
 *       {@value AnthropicWire#JSON_TOOL} whose input schema is the schema (any object for {@code json_object}); its
 *       input comes back as the message content. Chosen over native structured outputs because it works on every
 *       Claude model. Recorded as {@value AnthropicWire#JSON_TOOL_ADJUSTMENT};</li>
 *   <li>{@code reasoning_effort} → thinking; {@code none} sends none. The Claude 3 and 4.0–4.5 models take
 *       manual extended thinking, {@code thinking: {type: enabled, budget_tokens}} with LiteLLM's budgets (minimal
 *       and low 1024, medium 2048, high 4096); every later model ({@link #budgetThinking} false: Claude 4.6, where
 *       budgets are deprecated, Opus 4.7 and later, which reject them with a 400) takes adaptive thinking,
 *       {@code thinking: {type: adaptive}} with {@code output_config: {effort}} (minimal and low → low, medium,
 *       high; platform.claude.com/docs/en/build-with-claude/extended-thinking and /adaptive-thinking). With
 *       thinking, what Anthropic rejects next to it is unsupported ({@link #THINKING_SUPPORT}): a temperature other
 *       than 1, {@code top_k}, a {@code top_p} below 0.95, a forcing {@code tool_choice}, a JSON
 *       {@code response_format};</li>
 *   <li>unsupported: {@code n} other than 1, {@code logprobs: true}, and every parameter not listed in
 *       {@link #SUPPORT} ({@code presence_penalty}, {@code frequency_penalty}, {@code seed}, {@code logit_bias},
 *       {@code top_logprobs} ...): an {@code UNSUPPORTED_PARAMETER} error, or dropped and recorded with
 *       {@code drop_params};</li>
 *   <li>{@code stream_options} is consumed: Anthropic always streams usage.</li>
 * </ul>
 */
public final class AnthropicRequestMapper {

    /** {@code max_tokens} filled in when neither the request nor the price table gives one. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    /** {@code reasoning_effort} → adaptive thinking's {@code output_config.effort}. */
    static final Map<String, String> EFFORTS = Map.of("minimal", "low", "low", "low", "medium", "medium",
            "high", "high");

    static final Map<String, Integer> THINKING_BUDGETS = Map.of("minimal", 1024, "low", 1024, "medium", 2048,
            "high", 4096);

    /** What this adapter maps; anything else is unsupported. */
    public static final ParameterSupport SUPPORT = new ParameterSupport(Map.of(
            "n", v -> !(v.canConvertToInt() && v.asInt() == 1),
            "logprobs", v -> v.asBoolean(true),
            "reasoning_effort", v -> !v.isTextual()
                    || !"none".equals(v.asText()) && !THINKING_BUDGETS.containsKey(v.asText())),
            Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k",
                    "stop", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls",
                    "response_format", "user", "reasoning_effort"));

    /**
     * {@link #SUPPORT} when the request turns thinking on: Anthropic's extended thinking is not compatible with a
     * changed {@code temperature} or {@code top_k}, a {@code top_p} below 0.95, or forced tool use
     * (platform.claude.com/docs/en/build-with-claude/extended-thinking, feature compatibility), so those values are
     * unsupported: a forcing {@code tool_choice} ({@code required} or a named function) and a JSON
     * {@code response_format}, which goes through a forced tool.
     */
    public static final ParameterSupport THINKING_SUPPORT = SUPPORT
            .denyingValues("temperature", v -> !v.isNumber() || v.asDouble() != 1.0)
            .denyingValues("top_k", v -> true)
            .denyingValues("top_p", v -> !v.isNumber() || v.asDouble() < 0.95)
            .denyingValues("tool_choice", v -> !v.isTextual() || "required".equals(v.asText()))
            .denyingValues("response_format", v -> !"text".equals(v.path("type").asText()));

    private static final Pattern BUDGET_THINKING = Pattern.compile(
            "claude-3.*|claude-(sonnet|opus|haiku)-4(-[0-5])?(-\\d{8}|-latest)?");

    private static final Pattern OLD_SAMPLING = Pattern.compile(
            "claude-(2|3|instant)\\b.*|claude-(sonnet|opus)-4(-0|-2025\\d{4})?");

    /** Anthropic's limit on {@code metadata.user_id}. */
    static final int MAX_USER_ID = 256;

    private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+\\.[^\\s@]+");

    private final Function<String, Optional<Long>> maxOutputTokens;

    /** @param maxOutputTokens a model's output-token limit (from the price table), used to fill {@code max_tokens} */
    public AnthropicRequestMapper(Function<String, Optional<Long>> maxOutputTokens) {
        this.maxOutputTokens = Objects.requireNonNull(maxOutputTokens, "maxOutputTokens");
    }

    public MappedRequest map(ProviderTarget target, ObjectNode openAiRequest, boolean stream) {
        List<String> adjustments = new ArrayList<>();
        boolean thinking = thinks(openAiRequest);
        CheckedRequest checkedRequest = CheckedRequest.of(openAiRequest, target, thinking ? THINKING_SUPPORT : SUPPORT,
                thinking ? "anthropic with thinking (reasoning_effort)" : "anthropic", adjustments);
        ObjectNode checked = checkedRequest.json();
        ChatRequest req = checkedRequest.request();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("model", target.model());
        String effort = "none".equals(req.reasoningEffort()) ? null : req.reasoningEffort();
        Integer budget = effort != null && budgetThinking(target.model()) ? THINKING_BUDGETS.get(effort) : null;
        int maxTokens = maxTokens(target, req, budget == null ? 0 : budget, adjustments);
        if (budget != null && budget >= maxTokens) {
            effort = budgetAboveMaxTokens(target, effort, budget, maxTokens, adjustments);
        }
        body.put("max_tokens", maxTokens);
        AnthropicMessages messages = new AnthropicMessages();
        ArrayNode wireMessages = messages.messages(req.messages(), adjustments);
        if (!messages.system().isEmpty()) {
            body.set("system", messages.system().size() == 1 && !messages.system().get(0).has("cache_control")
                    ? messages.system().get(0).get("text") : JsonNodeFactory.instance.arrayNode()
                    .addAll(messages.system()));
        }
        body.set("messages", wireMessages);
        tools(req, body, adjustments);
        stopSequences(req.stop(), target.dropParams(), body, adjustments);
        Double temperature = temperature(target, req.temperature(), adjustments);
        putNumber(body, "temperature", temperature);
        putNumber(body, "top_p", topP(target, req.topP(), temperature, adjustments));
        JsonNode topK = checked.get("top_k");
        if (topK != null && !topK.isNull()) {
            body.set("top_k", topK);
        }
        String userId = userId(target, req.user(), adjustments);
        if (userId != null) {
            body.putObject("metadata").put("user_id", userId);
        }
        if (effort != null) {
            if (budget != null) { // a model of manual extended thinking (budgetThinking)
                body.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
            } else {
                body.putObject("thinking").put("type", "adaptive");
                body.putObject("output_config").put("effort", EFFORTS.get(effort));
            }
        }
        if (stream) {
            body.put("stream", true);
        }
        boolean wantsUsage = req.streamOptions() != null && Boolean.TRUE.equals(req.streamOptions().includeUsage());
        return new MappedRequest(body, adjustments, wantsUsage);
    }

    /** Whether the request's {@code reasoning_effort} turns Anthropic's thinking on. */
    private static boolean thinks(ObjectNode openAiRequest) {
        JsonNode effort = openAiRequest == null ? null : openAiRequest.get("reasoning_effort");
        return effort != null && effort.isTextual() && THINKING_BUDGETS.containsKey(effort.asText());
    }

    /**
     * A thinking budget must be below {@code max_tokens} (Messages API: {@code budget_tokens} "must be >= 1024 and
     * less than max_tokens"): for a request whose own {@code max_tokens} is not above it, {@code reasoning_effort}
     * is an unsupported value, or with {@code drop_params} dropped (no thinking) and recorded.
     *
     * @return null: the effort once dropped
     */
    private static String budgetAboveMaxTokens(ProviderTarget target, String effort, int budget, int maxTokens,
                                               List<String> adjustments) {
        return dropOrRefuse(target, "reasoning_effort", "unsupported_value", "anthropic needs max_tokens above the "
                + "thinking budget: reasoning_effort '" + effort + "' is a budget of " + budget + " tokens, max_tokens "
                + "is " + maxTokens + " (raise max_tokens, or set drop_params: true to drop reasoning_effort and "
                + "record the drop)", adjustments);
    }

    /** The request's max_tokens, else the model's limit (above {@code thinkingBudget} when that is not). */
    private int maxTokens(ProviderTarget target, ChatRequest req, int thinkingBudget, List<String> adjustments) {
        Integer asked = req.maxCompletionTokens() != null ? req.maxCompletionTokens() : req.maxTokens();
        if (asked != null) {
            if (asked < 1) {
                throw WireJson.invalid("max_tokens must be >= 1", "max_tokens");
            }
            return asked;
        }
        long limit = maxOutputTokens.apply(target.model()).filter(l -> l > 0).orElse((long) DEFAULT_MAX_TOKENS);
        int filled = (int) Math.min(Integer.MAX_VALUE, limit);
        if (filled <= thinkingBudget) {
            filled = thinkingBudget + DEFAULT_MAX_TOKENS;
        }
        adjustments.add("filled:max_tokens=" + filled);
        return filled;
    }

    private static void tools(ChatRequest req, ObjectNode body, List<String> adjustments) {
        ArrayNode tools = JsonNodeFactory.instance.arrayNode();
        if (req.tools() != null) {
            for (Tool t : req.tools()) {
                tools.add(AnthropicMessages.tool(t));
            }
        }
        ObjectNode choice = toolChoice(req.toolChoice());
        ResponseFormat rf = req.responseFormat();
        JsonNode schema = switch (rf) {
            case null -> null;
            case ResponseFormat.Text text -> null;
            case ResponseFormat.JsonObject json -> JsonNodeFactory.instance.objectNode().put("type", "object");
            case ResponseFormat.JsonSchema js -> js.schema() != null ? js.schema()
                    : JsonNodeFactory.instance.objectNode().put("type", "object");
            case ResponseFormat.Unknown u -> throw WireJson.unsupported("response_format",
                    "anthropic does not support response_format type '" + u.raw().path("type").asText() + "'");
        };
        if (schema != null) {
            ObjectNode jsonTool = tools.addObject();
            jsonTool.put("name", AnthropicWire.JSON_TOOL);
            String description = rf instanceof ResponseFormat.JsonSchema js && js.description() != null
                    ? js.description() : "Respond with a JSON object matching the input schema.";
            jsonTool.put("description", description);
            jsonTool.set("input_schema", schema.deepCopy());
            if (choice != null && !"auto".equals(choice.path("type").asText())) {
                adjustments.add("overridden:tool_choice");
            }
            choice = JsonNodeFactory.instance.objectNode().put("type", "tool").put("name", AnthropicWire.JSON_TOOL);
            adjustments.add(AnthropicWire.JSON_TOOL_ADJUSTMENT);
        }
        if (Boolean.FALSE.equals(req.parallelToolCalls()) && !tools.isEmpty()) {
            if (choice == null) {
                choice = JsonNodeFactory.instance.objectNode().put("type", "auto");
            }
            if (!"none".equals(choice.path("type").asText())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (tools.isEmpty() && (choice == null || !"tool".equals(choice.path("type").asText())
                && !"any".equals(choice.path("type").asText()))) {
            choice = toolsFromHistory(body.get("messages"), tools, choice, adjustments);
        }
        if (!tools.isEmpty()) {
            body.set("tools", tools);
        }
        if (choice != null) {
            body.set("tool_choice", choice);
        }
    }

    /**
     * Anthropic refuses a conversation holding {@code tool_use} blocks when the request defines no tools ("Requests
     * which include tool_use or tool_result blocks must define tools"), which OpenAI takes (a tool loop summed up
     * without its tools). Such a request gets one tool per name called in its history, taking any object, with
     * {@code tool_choice: none} so that, as without tools, none is called; recorded as
     * {@code added:tools_from_history}.
     *
     * @return the tool choice to send
     */
    private static ObjectNode toolsFromHistory(JsonNode messages, ArrayNode tools, ObjectNode choice,
                                               List<String> adjustments) {
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode turn : messages) {
            for (JsonNode block : turn.path("content")) {
                if ("tool_use".equals(block.path("type").asText())) {
                    names.add(block.path("name").asText());
                }
            }
        }
        if (names.isEmpty()) {
            return choice;
        }
        for (String name : names) {
            tools.addObject().put("name", name).put("description", "A tool called earlier in this conversation.")
                    .putObject("input_schema").put("type", "object");
        }
        adjustments.add("added:tools_from_history");
        return JsonNodeFactory.instance.objectNode().put("type", "none");
    }

    /**
     * {@code stop} → {@code stop_sequences}. Anthropic rejects empty and whitespace-only stop sequences ("each stop
     * sequence must contain non-whitespace"): such a value is an unsupported parameter value, or with
     * {@code drop_params} dropped and recorded as {@code dropped:stop[i]} (as LiteLLM drops them).
     */
    private static void stopSequences(List<String> stop, boolean dropParams, ObjectNode body,
                                      List<String> adjustments) {
        if (stop == null || stop.isEmpty()) {
            return;
        }
        ArrayNode stops = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < stop.size(); i++) {
            String s = stop.get(i);
            if (!s.isBlank()) {
                stops.add(s);
            } else if (dropParams) {
                adjustments.add("dropped:stop[" + i + "]");
            } else {
                throw new ProviderException(ProviderError.builder(ErrorKind.UNSUPPORTED_PARAMETER).httpStatus(400)
                        .providerCode("unsupported_value").message("anthropic does not accept an empty or "
                                + "whitespace-only stop sequence (stop[" + i + "]); set drop_params: true to drop it "
                                + "and record the drop")
                        .param("stop").build());
            }
        }
        if (!stops.isEmpty()) {
            body.set("stop_sequences", stops);
        }
    }

    /** auto → auto, required → any, none → none, a named function → {@code {type: tool, name}}. */
    static ObjectNode toolChoice(ToolChoice choice) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (choice) {
            case null -> null;
            case ToolChoice.Of of -> switch (of.mode()) {
                case AUTO -> f.objectNode().put("type", "auto");
                case REQUIRED -> f.objectNode().put("type", "any");
                case NONE -> f.objectNode().put("type", "none");
            };
            case ToolChoice.Function fn -> f.objectNode().put("type", "tool").put("name", fn.name());
            case ToolChoice.Unknown u -> throw WireJson.unsupported("tool_choice",
                    "anthropic does not support this tool_choice form: " + u.raw());
        };
    }

    /**
     * The {@code metadata.user_id} to send for {@code user}: Anthropic wants an opaque id of at most
     * {@value #MAX_USER_ID} characters and answers one that holds an email address ("user_id appears to contain an
     * email address") or is longer with a 400, so such a {@code user} is an unsupported value, or with
     * {@code drop_params} dropped and recorded as {@code dropped:user} (as LiteLLM leaves such ids out).
     */
    private static String userId(ProviderTarget target, String user, List<String> adjustments) {
        if (user == null || user.length() <= MAX_USER_ID && !EMAIL.matcher(user).find()) {
            return user;
        }
        String why = user.length() > MAX_USER_ID ? "is longer than " + MAX_USER_ID + " characters"
                : "looks like an email address";
        return dropOrRefuse(target, "user", "unsupported_value", "anthropic takes user (metadata.user_id) only as an "
                + "opaque id such as a uuid or a hash; this one " + why + " (set drop_params: true to drop it and "
                + "record the drop)", adjustments);
    }

    /**
     * The {@code temperature} to send: Anthropic takes 0 to 1 (OpenAI up to 2) and answers a higher one with a 400,
     * so above 1 it is an unsupported value, or with {@code drop_params} dropped and recorded as
     * {@code dropped:temperature} (not clamped: 1 is not what the caller asked for either).
     */
    private static Double temperature(ProviderTarget target, Double temperature, List<String> adjustments) {
        if (temperature == null || temperature <= 1.0) {
            return temperature;
        }
        return dropOrRefuse(target, "temperature", "unsupported_value", "anthropic takes a temperature from 0 to 1,"
                + " not " + temperature + " (set drop_params: true to drop it and record the drop)", adjustments);
    }

    /**
     * The {@code top_p} to send: none when it comes with a {@code temperature} for a model that rejects the pair
     * (dropped and recorded with {@code drop_params}, else an {@code UNSUPPORTED_PARAMETER} error).
     */
    private static Double topP(ProviderTarget target, Double topP, Double temperature, List<String> adjustments) {
        if (topP == null || temperature == null || acceptsTemperatureWithTopP(target.model())) {
            return topP;
        }
        return dropOrRefuse(target, "top_p", "unsupported_parameter", "anthropic model '" + target.model()
                + "' does not accept temperature and top_p together; send one of them, or set drop_params: true to "
                + "drop top_p and record the drop", adjustments);
    }

    /**
     * A value Anthropic would refuse: with {@code drop_params} dropped, recorded as {@code dropped:<param>} (null is
     * what is sent), else an {@code UNSUPPORTED_PARAMETER} error (400, {@code providerCode}) saying {@code message}.
     */
    private static <T> T dropOrRefuse(ProviderTarget target, String param, String providerCode, String message,
                                      List<String> adjustments) {
        if (target.dropParams()) {
            adjustments.add("dropped:" + param);
            return null;
        }
        throw new ProviderException(ProviderError.builder(ErrorKind.UNSUPPORTED_PARAMETER).httpStatus(400)
                .providerCode(providerCode).message(message).param(param).build());
    }

    /**
     * Whether a model takes manual extended thinking ({@code budget_tokens}): Claude 3.x and Claude 4 up to 4.5
     * ({@code claude-sonnet-4-5-20250929}, {@code claude-opus-4-1}, {@code claude-haiku-4-5} ...). Claude 4.6
     * deprecates it, Opus 4.7 and later (and unknown newer names) only take adaptive thinking.
     */
    static boolean budgetThinking(String model) {
        return BUDGET_THINKING.matcher(model.toLowerCase(Locale.ROOT)).matches();
    }

    /**
     * Whether a model still takes {@code temperature} and {@code top_p} in one request: the Claude 2 and 3
     * families and the first Claude 4 models (Sonnet 4 and Opus 4 of 2025-05-14, aliases {@code -4-0}). Every
     * later (or unknown) model is held to "one of them". The mock LLM server (runtime) keeps a copy of this rule to
     * answer such requests with Anthropic's 400; {@code MockRefusalsAgreeWithAdaptersTest} (worker) holds the two
     * to the same models.
     */
    static boolean acceptsTemperatureWithTopP(String model) {
        return OLD_SAMPLING.matcher(model.toLowerCase(Locale.ROOT)).matches();
    }

    private static void putNumber(ObjectNode body, String field, Double v) {
        if (v != null) {
            body.put(field, v);
        }
    }
}
