package dev.llmq.provider;

import dev.llmq.provider.openai.OpenAiCompatibleProviders;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A LiteLLM-style model string split into provider and model: {@code openai/gpt-4o-mini} → (openai, gpt-4o-mini),
 * {@code azure/my-deployment} → (azure, my-deployment), {@code openrouter/anthropic/claude-3.5-sonnet} →
 * (openrouter, anthropic/claude-3.5-sonnet). Only the first {@code /} separates.
 *
 * <p>A name without a prefix: this class is the one owner of which bare names imply which provider
 * ({@link #inferProvider}: OpenAI's {@code gpt-*}, {@code chatgpt-*}, {@code o1}/{@code o3}/{@code o4}, Anthropic's
 * {@code claude-*}, as LiteLLM infers them). {@link #parse} sends any other bare name to {@link #DEFAULT_PROVIDER};
 * {@link #parseStrict}, for configuration files, rejects it so that a typo is reported instead of sent to OpenAI.
 */
public record ProviderModel(String provider, String model) {

    /** Every provider prefix llmq understands. */
    public static final Set<String> KNOWN_PROVIDERS = known();
    /** The provider {@link #parse} assumes for a bare name it cannot infer one for. */
    public static final String DEFAULT_PROVIDER = "openai";

    private static final Pattern OPENAI_REASONING = Pattern.compile("o[134](-.*)?");

    public ProviderModel {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        if (provider.isBlank() || model.isBlank()) {
            throw new IllegalArgumentException("provider and model must not be blank");
        }
    }

    /**
     * The provider a model name without a prefix implies, as LiteLLM infers it: {@code openai} for {@code gpt-*},
     * {@code chatgpt-*}, {@code o1}, {@code o3}, {@code o4} and their {@code -*} variants; {@code anthropic} for
     * {@code claude-*} (case-insensitive); empty for any other name, and for a name with a prefix.
     */
    public static Optional<String> inferProvider(String bareModel) {
        String lower = Objects.requireNonNull(bareModel, "bareModel").strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("claude-")) {
            return Optional.of("anthropic");
        }
        if (lower.startsWith("gpt-") || lower.startsWith("chatgpt-") || OPENAI_REASONING.matcher(lower).matches()) {
            return Optional.of("openai");
        }
        return Optional.empty();
    }

    /**
     * Parses a model string as a configuration file must name it: like {@link #parse}, but a bare name is accepted
     * only where {@link #inferProvider} knows its provider.
     *
     * @throws IllegalArgumentException for a blank string ({@code model is empty}), a bare name with no inferable
     *         provider ({@code model 'llama3' has no provider prefix (e.g. openai/llama3)}), or what {@link #parse}
     *         rejects
     */
    public static ProviderModel parseStrict(String modelString) {
        if (modelString == null || modelString.isBlank()) {
            throw new IllegalArgumentException("model is empty");
        }
        String s = modelString.strip();
        if (s.indexOf('/') < 0 && inferProvider(s).isEmpty()) {
            throw new IllegalArgumentException("model '" + s + "' has no provider prefix (e.g. openai/" + s + ")");
        }
        return parse(s);
    }

    /**
     * Parses a model string; a bare name goes to its {@linkplain #inferProvider inferred provider}, else to
     * {@link #DEFAULT_PROVIDER}.
     *
     * @throws IllegalArgumentException for a blank string, an empty model, or an unknown provider prefix (named)
     */
    public static ProviderModel parse(String modelString) {
        if (modelString == null || modelString.isBlank()) {
            throw new IllegalArgumentException("model string is blank");
        }
        String s = modelString.strip();
        int slash = s.indexOf('/');
        if (slash < 0) {
            return new ProviderModel(inferProvider(s).orElse(DEFAULT_PROVIDER), s);
        }
        String prefix = s.substring(0, slash).toLowerCase(Locale.ROOT);
        String model = s.substring(slash + 1);
        if (unknownProvider(s).isPresent()) {
            throw new IllegalArgumentException(unknownProviderIn(s) + "; known providers: "
                    + new TreeSet<>(KNOWN_PROVIDERS));
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException("model string '" + s + "' names no model after '" + prefix + "/'");
        }
        return new ProviderModel(prefix, model);
    }

    /**
     * The provider prefix of a model string, as written, when llmq does not know it ({@code foo} of {@code foo/x});
     * empty for a known prefix and for a name without one. Lets a config file name every entry of a provider llmq
     * has no client for in one error, rather than one per run.
     */
    public static Optional<String> unknownProvider(String modelString) {
        String s = Objects.requireNonNull(modelString, "modelString").strip();
        int slash = s.indexOf('/');
        return slash < 0 || KNOWN_PROVIDERS.contains(s.substring(0, slash).toLowerCase(Locale.ROOT)) ? Optional.empty()
                : Optional.of(s.substring(0, slash));
    }

    /** What {@link #parse} says of a model string of an {@linkplain #unknownProvider unknown provider}. */
    public static String unknownProviderIn(String modelString) {
        String s = modelString.strip();
        return "unknown provider '" + unknownProvider(s).orElseThrow() + "' in model '" + s + "'";
    }

    @Override
    public String toString() {
        return provider + "/" + model;
    }

    private static Set<String> known() {
        Set<String> names = new TreeSet<>(OpenAiCompatibleProviders.byName().keySet());
        names.add("azure");
        names.add("anthropic");
        names.add("gemini");
        return Set.copyOf(names);
    }
}
