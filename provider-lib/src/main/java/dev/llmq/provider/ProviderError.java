package dev.llmq.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * A classified provider failure.
 *
 * @param httpStatus the real HTTP status, or 0 when no response arrived (connection error, timeout)
 * @param providerType the provider's own error type (e.g. OpenAI {@code error.type}, Anthropic {@code error.type})
 * @param providerCode the provider's own error code (e.g. {@code context_length_exceeded})
 * @param param the offending request parameter, when known
 * @param retryAfter how long the provider asked us to wait, or null
 * @param requestId the provider's request id header, or null
 * @param snippet a short body snippet with secrets removed, or null
 */
public record ProviderError(ErrorKind kind, int httpStatus, String providerType, String providerCode, String message,
                            String param, Duration retryAfter, String requestId, String snippet) {

    public ProviderError {
        Objects.requireNonNull(kind, "kind");
        if (message == null || message.isBlank()) {
            message = kind.wire();
        }
    }

    public static ProviderError of(ErrorKind kind, String message) {
        return new ProviderError(kind, 0, null, null, message, null, null, null, null);
    }

    public boolean retryable() {
        return kind.retryable();
    }

    public boolean cooldown() {
        return kind.cooldown();
    }
}
