package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobError;
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

    /** This error as a job's error record (OpenAI's fields plus llmq's kind, the real status and the provider). */
    public JobError toJobError(String provider) {
        return new JobError(kind.openAiType(), providerCode != null ? providerCode : kind.wire(), message, param,
                kind.wire(), httpStatus > 0 ? httpStatus : null, provider);
    }

    /** OpenAI's error body shape: {@code {"error":{"message","type","param","code"}}}. */
    public ObjectNode toOpenAiErrorBody() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode e = body.putObject("error");
        e.put("message", message);
        e.put("type", kind.openAiType());
        e.put("param", param);
        e.put("code", providerCode != null ? providerCode : kind.wire());
        return body;
    }
}
