package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.JobError;
import java.time.Duration;
import java.util.Objects;

/**
 * A classified provider failure. Build one by name: {@code ProviderError.of(kind, message)} for a failure with no
 * response behind it, else {@code ProviderError.builder(kind).httpStatus(429).providerCode(code).message(text)
 * .retryAfter(wait).build()}; what is not set is absent ({@link #NO_STATUS}, null).
 *
 * @param kind the classification (retryable? counts against the deployment's health?)
 * @param httpStatus the real HTTP status, or 0 when no response arrived (connection error, timeout); for a request
 *                   llmq refused before calling ({@code sent} false), the status llmq answers for it (400)
 * @param providerType the provider's own error type (e.g. OpenAI {@code error.type}, Anthropic {@code error.type})
 * @param providerCode the provider's own error code (e.g. {@code context_length_exceeded})
 * @param message what went wrong; the kind's wire name when none is given
 * @param param the offending request parameter, when known
 * @param retryAfter how long the provider asked us to wait, or null
 * @param requestId the provider's request id header, or null
 * @param snippet a short body snippet with secrets removed, or null
 * @param sent whether the request went to the provider: false when llmq refused it before calling (a parameter the
 *             adapter cannot map, an invalid request), so that nothing about the provider is read into it
 */
public record ProviderError(ErrorKind kind, int httpStatus, String providerType, String providerCode, String message,
                            String param, Duration retryAfter, String requestId, String snippet, boolean sent) {

    /** {@code httpStatus} when no response arrived. */
    public static final int NO_STATUS = 0;

    public ProviderError {
        Objects.requireNonNull(kind, "kind");
        if (message == null || message.isBlank()) {
            message = kind.wire();
        }
    }

    /** A failure of a request that was sent. */
    public ProviderError(ErrorKind kind, int httpStatus, String providerType, String providerCode, String message,
                         String param, Duration retryAfter, String requestId, String snippet) {
        this(kind, httpStatus, providerType, providerCode, message, param, retryAfter, requestId, snippet, true);
    }

    /** A failure with nothing but a kind and a message (no response, no provider details). */
    public static ProviderError of(ErrorKind kind, String message) {
        return builder(kind).message(message).build();
    }

    /** A failure of {@code kind}, every detail absent until set. */
    public static Builder builder(ErrorKind kind) {
        return new Builder(kind);
    }

    /** The message of an HTTP failure whose body gave none: the status alone ({@code HTTP 404}). */
    public static String statusOnly(int httpStatus) {
        return "HTTP " + httpStatus;
    }

    /** Whether the message says no more than the status ({@link #statusOnly}): the provider's body had none. */
    public boolean hasStatusOnlyMessage() {
        return httpStatus > 0 && message.equals(statusOnly(httpStatus));
    }

    /** This error with another message. */
    public ProviderError withMessage(String message) {
        return new ProviderError(kind, httpStatus, providerType, providerCode, message, param, retryAfter, requestId,
                snippet, sent);
    }

    /** This error as one of a request llmq refused before calling the provider ({@link #sent} false). */
    public ProviderError notSent() {
        return sent ? new ProviderError(kind, httpStatus, providerType, providerCode, message, param, retryAfter,
                requestId, snippet, false) : this;
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

    /** Builds a {@link ProviderError}. */
    public static final class Builder {

        private final ErrorKind kind;
        private int httpStatus = NO_STATUS;
        private String providerType;
        private String providerCode;
        private String message;
        private String param;
        private Duration retryAfter;
        private String requestId;
        private String snippet;

        private Builder(ErrorKind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        /** The real HTTP status of the failed response. */
        public Builder httpStatus(int httpStatus) {
            this.httpStatus = httpStatus;
            return this;
        }

        public Builder providerType(String providerType) {
            this.providerType = providerType;
            return this;
        }

        public Builder providerCode(String providerCode) {
            this.providerCode = providerCode;
            return this;
        }

        public Builder message(String message) {
            this.message = message;
            return this;
        }

        public Builder param(String param) {
            this.param = param;
            return this;
        }

        public Builder retryAfter(Duration retryAfter) {
            this.retryAfter = retryAfter;
            return this;
        }

        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        public Builder snippet(String snippet) {
            this.snippet = snippet;
            return this;
        }

        public ProviderError build() {
            return new ProviderError(kind, httpStatus, providerType, providerCode, message, param, retryAfter,
                    requestId, snippet);
        }
    }
}
