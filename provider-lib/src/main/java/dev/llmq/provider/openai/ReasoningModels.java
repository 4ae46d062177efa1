package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.spi.ParameterSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 and their dated variants) reject {@code max_tokens} in favour of
 * {@code max_completion_tokens}, and sampling settings other than the defaults. The first is a one-to-one rename
 * (recorded as {@code renamed:max_tokens->max_completion_tokens}); the second is declared as unsupported values, so
 * it fails clearly or, with {@code drop_params}, is dropped and recorded. OpenAI's chat models from before reasoning
 * (gpt-3.5, gpt-4, gpt-4o, gpt-4.1, gpt-4.5) answer {@code reasoning_effort} with 400 "Unrecognized request argument
 * supplied: reasoning_effort" (LiteLLM leaves it out of their supported parameters): unsupported there too.
 */
final class ReasoningModels {

    private static final Pattern REASONING = Pattern.compile("^(o\\d+)(-.*)?$|^gpt-5(?!-chat)(.*)$");

    /** The chat models before reasoning, by name (Azure spells gpt-3.5 {@code gpt-35}). */
    private static final Pattern CHAT_ONLY = Pattern.compile("^(gpt-3\\.5|gpt-35|gpt-4|chatgpt-4o).*$");

    /** What {@link #CHAT_ONLY} models refuse. */
    static final ParameterSupport CHAT_ONLY_SUPPORT = ParameterSupport.denying("reasoning_effort");

    static final ParameterSupport SUPPORT = ParameterSupport.ALL
            .denyingValues("temperature", v -> v.isNumber() && v.asDouble() != 1.0)
            .denyingValues("top_p", v -> v.isNumber() && v.asDouble() != 1.0);

    private ReasoningModels() {
    }

    static boolean isReasoning(String model) {
        return REASONING.matcher(name(model)).matches();
    }

    static boolean isChatOnly(String model) {
        return CHAT_ONLY.matcher(name(model)).matches();
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
