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
 * it fails clearly or, with {@code drop_params}, is dropped and recorded.
 */
final class ReasoningModels {

    private static final Pattern REASONING = Pattern.compile("^(o\\d+)(-.*)?$|^gpt-5(?!-chat)(.*)$");

    static final ParameterSupport SUPPORT = ParameterSupport.ALL
            .denyingValues("temperature", v -> v.isNumber() && v.asDouble() != 1.0)
            .denyingValues("top_p", v -> v.isNumber() && v.asDouble() != 1.0);

    private ReasoningModels() {
    }

    static boolean isReasoning(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        int slash = m.lastIndexOf('/');
        return REASONING.matcher(slash >= 0 ? m.substring(slash + 1) : m).matches();
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
