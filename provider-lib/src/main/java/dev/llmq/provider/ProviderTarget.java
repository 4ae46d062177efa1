package dev.llmq.provider;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how to call one deployment.
 *
 * @param provider the adapter: {@code openai}, {@code azure}, {@code anthropic}, {@code gemini}, or an
 *                 OpenAI-compatible provider name ({@code hosted_vllm}, {@code ollama}, {@code groq} ...)
 * @param model the provider's model (or Azure deployment) name, without the provider prefix
 * @param apiBase base URL, or null for the provider's default
 * @param apiKey secret, or null; never logged
 * @param apiVersion Azure's {@code api-version}, or null
 * @param timeout whole-call timeout: the response must be complete within it (for a stream: the longest it may run)
 * @param streamIdleTimeout longest gap between stream events (SSE comments do not count)
 * @param dropParams drop unsupported parameters (recorded as adjustments) instead of failing
 * @param extraHeaders headers added to every call
 */
public record ProviderTarget(String provider, String model, URI apiBase, String apiKey, String apiVersion,
                             Duration timeout, Duration streamIdleTimeout, boolean dropParams,
                             Map<String, String> extraHeaders) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofMinutes(2);

    public ProviderTarget {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        if (provider.isBlank() || model.isBlank()) {
            throw new IllegalArgumentException("provider and model must not be blank");
        }
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        streamIdleTimeout = streamIdleTimeout == null ? DEFAULT_STREAM_IDLE_TIMEOUT : streamIdleTimeout;
        extraHeaders = extraHeaders == null ? Map.of() : Map.copyOf(extraHeaders);
    }

    @Override
    public String toString() {
        return "ProviderTarget[" + provider + "/" + model + " @ " + apiBase + "]";
    }
}
