package dev.llmq.provider.openai;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.spi.ParameterSupport;
import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * OpenAI itself or a server that speaks OpenAI's chat-completions protocol (vLLM, Ollama, Groq, DeepSeek ...).
 *
 * @param name the LiteLLM-style prefix
 * @param defaultBase base URL used when the target has no {@code api_base}; null when one is required
 * @param auth how the key is sent
 * @param parameters which OpenAI parameters the server rejects
 * @param basePathSuffix appended to an {@code api_base} that does not already end with it (Ollama's {@code /v1},
 *                       since LiteLLM users give Ollama's root URL), or null
 * @param streamUsage whether it honours {@code stream_options.include_usage}
 */
public record CompatibleProvider(String name, URI defaultBase, AuthStyle auth, ParameterSupport parameters,
                                 String basePathSuffix, boolean streamUsage) implements OpenAiEndpoint {

    public CompatibleProvider {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(parameters, "parameters");
    }

    /** The base URL for a target: its own, else the default; fails clearly when neither exists. */
    public URI base(ProviderTarget target) {
        URI base = target.apiBase() != null ? target.apiBase() : defaultBase;
        if (base == null) {
            throw ProviderException.of(ErrorKind.INVALID_REQUEST,
                    "provider '" + name + "' has no default endpoint: set api_base for " + target.model());
        }
        if (basePathSuffix != null && target.apiBase() != null) {
            String path = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
            if (!path.endsWith(basePathSuffix)) {
                base = OpenAiEndpoint.join(base, basePathSuffix);
            }
        }
        return base;
    }

    @Override
    public URI chatCompletionsUri(ProviderTarget target) {
        return OpenAiEndpoint.join(base(target), "chat/completions");
    }

    @Override
    public Map<String, String> headers(ProviderTarget target) {
        String key = target.apiKey();
        if (key == null || key.isBlank()) {
            return Map.of();
        }
        return switch (auth) {
            case BEARER -> Map.of("Authorization", "Bearer " + key);
            case API_KEY_HEADER -> Map.of("api-key", key);
        };
    }

    @Override
    public boolean supportsStreamUsage(ProviderTarget target) {
        return streamUsage;
    }
}
