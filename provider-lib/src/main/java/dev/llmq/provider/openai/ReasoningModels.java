package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.provider.spi.ParameterSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 and their dated variants) reject {@code max_tokens} in favour of
 * {@code max_completion_tokens}, and sampling settings other than the defaults. The first is a one-to-one rename
 * (recorded as {@code renamed:max_tokens->max_completion_tokens}); the second is declared as unsupported values, so
 * it fails clearly or, with {@code drop_params}, is dropped and recorded. OpenAI's chat models from before reasoning
 * (gpt-3.5, gpt-4, gpt-4o, gpt-4.1, gpt-4.5) answer {@code reasoning_effort} with 400 "Unrecognized request argument
 * supplied: reasoning_effort" (LiteLLM leaves it out of their supported parameters): unsupported there too.
 *
 * <p>Which settings, as LiteLLM's {@code OpenAIOSeriesConfig} and {@code OpenAIGPT5Config} and OpenAI's answers have
 * them: every reasoning model refuses {@code presence_penalty} and {@code frequency_penalty}, and, while it reasons,
 * {@code temperature} and {@code top_p} other than 1, {@code logprobs} and {@code top_logprobs}. The GPT-5 models
 * also refuse {@code logit_bias}, and those that always reason (gpt-5, -mini, -nano, -pro, the codex models) refuse
 * {@code stop} ("Unsupported parameter: 'stop' is not supported with this model."). A model that takes
 * {@code reasoning_effort: none} (gpt-5.1 and later, by the price table's {@code supports_none_reasoning_effort})
 * does not reason with {@code none} or with no {@code reasoning_effort} (gpt-5.1's default), and then takes the
 * sampling settings, as a chat model does.
 */
final class ReasoningModels {

    private static final Pattern REASONING = Pattern.compile("^(o\\d+)(-.*)?$|^gpt-5(?!-chat)(.*)$");

    /** The chat models before reasoning, by name (Azure spells gpt-3.5 {@code gpt-35}). */
    private static final Pattern CHAT_ONLY = Pattern.compile("^(gpt-3\\.5|gpt-35|gpt-4|chatgpt-4o).*$");

    /** What {@link #CHAT_ONLY} models refuse. */
    static final ParameterSupport CHAT_ONLY_SUPPORT = ParameterSupport.denying("reasoning_effort");

    private static final Predicate<JsonNode> NOT_ONE = v -> v.isNumber() && v.asDouble() != 1.0;
    private static final Predicate<JsonNode> NOT_ZERO = v -> !v.isNumber() || v.asDouble() != 0.0;
    private static final Predicate<JsonNode> ASKED = v -> !(v.isBoolean() && !v.asBoolean())
            && !(v.isNumber() && v.asInt() == 0);
    private static final Predicate<JsonNode> NOT_EMPTY = v -> v.isContainerNode() ? !v.isEmpty()
            : !(v.isTextual() && v.asText().isEmpty());

    /** What every reasoning model refuses. */
    private static final ParameterSupport PENALTIES = ParameterSupport.ALL
            .denyingValues("presence_penalty", NOT_ZERO)
            .denyingValues("frequency_penalty", NOT_ZERO);

    /** What a reasoning model refuses while it reasons. */
    private static final ParameterSupport REASONING_SUPPORT = PENALTIES
            .denyingValues("temperature", NOT_ONE).denyingValues("top_p", NOT_ONE)
            .denyingValues("logprobs", ASKED).denyingValues("top_logprobs", ASKED);

    /** A GPT-5 model taking {@code none}, asked not to reason: penalties and {@code logit_bias}. */
    private static final ParameterSupport GPT5_NOT_REASONING = PENALTIES.denyingValues("logit_bias", NOT_EMPTY);

    /** A GPT-5 model taking {@code none}, asked to reason. */
    private static final ParameterSupport GPT5_REASONING = REASONING_SUPPORT.denyingValues("logit_bias", NOT_EMPTY);

    /** A GPT-5 model that always reasons: {@code stop} too. */
    private static final ParameterSupport GPT5_ALWAYS_REASONING = GPT5_REASONING.denyingValues("stop", NOT_EMPTY);

    private ReasoningModels() {
    }

    static boolean isReasoning(String model) {
        return REASONING.matcher(name(model)).matches();
    }

    static boolean isChatOnly(String model) {
        return CHAT_ONLY.matcher(name(model)).matches();
    }

    /**
     * What a reasoning model refuses in this request ({@code reasoning_effort} decides for the models that take
     * {@code none}). {@code provider} is {@code openai} or {@code azure}, to find the model in the price table.
     */
    static ParameterSupport support(String provider, String model, ObjectNode body) {
        String name = name(model);
        boolean takesNone = takesNoReasoning(provider, name);
        String effort = body.path("reasoning_effort").asText("");
        boolean reasons = !takesNone || !(effort.isEmpty() || effort.equals("none"));
        if (!name.startsWith("gpt-5")) {
            return reasons ? REASONING_SUPPORT : PENALTIES;
        }
        return !takesNone ? GPT5_ALWAYS_REASONING : reasons ? GPT5_REASONING : GPT5_NOT_REASONING;
    }

    /**
     * Whether the price table says the model ({@link #name}d) takes {@code reasoning_effort: none}; false for a name
     * it lacks.
     */
    private static boolean takesNoReasoning(String provider, String name) {
        return PriceTable.bundled().lookup(provider, name)
                .map(p -> p.supports("none_reasoning_effort")).orElse(false);
    }

    private static String name(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        int slash = m.lastIndexOf('/');
        return slash >= 0 ? m.substring(slash + 1) : m;
    }

    /** Renames {@code max_tokens} when {@code max_completion_tokens} is absent; returns the adjustments made. */
    static List<String> renameMaxTokens(ObjectNode body) {
        List<String> adjustments = new ArrayList<>(1);
        if (body.hasNonNull("max_tokens") && !body.hasNonNull("max_completion_tokens")) {
            body.set("max_completion_tokens", body.remove("max_tokens"));
            adjustments.add("renamed:max_tokens->max_completion_tokens");
        }
        return adjustments;
    }
}
