package dev.llmq.runtime.mock;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** Something that goes wrong on purpose. Each protocol renders it in its own wire format. */
public sealed interface Fault {

    /**
     * Answer with an HTTP error instead of a completion. {@code type}, {@code code} and {@code param}
     * are OpenAI's error fields ({@code code} and {@code param} may be null); {@code retryAfter}, when
     * present, is sent as {@code Retry-After} (whole seconds, rounded up) and {@code retry-after-ms}.
     */
    record HttpError(int status, String type, String code, String param, String message,
                     Optional<Duration> retryAfter) implements Fault {
        public HttpError {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status must be 400..599, got " + status);
            }
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(retryAfter, "retryAfter");
            retryAfter.ifPresent(d -> {
                if (d.isNegative()) {
                    throw new IllegalArgumentException("retryAfter must not be negative");
                }
            });
        }
    }

    /**
     * A response that ends early: a stream ends after {@code afterChunks} data events without
     * {@code [DONE]} (and without the usage chunk); a non-stream response sends half of its JSON body.
     */
    record StreamCut(int afterChunks) implements Fault {
        public StreamCut {
            if (afterChunks < 0) {
                throw new IllegalArgumentException("afterChunks must be >= 0, got " + afterChunks);
            }
        }
    }

    /**
     * A stream that fails part-way: after {@code afterChunks} events the protocol's own error event
     * carrying {@code error} is sent and the stream ends (Anthropic {@code event: error}, OpenAI, Azure and
     * Gemini a {@code data: {"error":…}} event). A non-stream request gets {@code error} as its answer.
     */
    record MidStreamError(int afterChunks, HttpError error) implements Fault {
        public MidStreamError {
            if (afterChunks < 0) {
                throw new IllegalArgumentException("afterChunks must be >= 0, got " + afterChunks);
            }
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * The provider's safety system blocks the exchange. {@link Stage#PROMPT}: OpenAI answers 400
     * {@code content_policy_violation}, Azure 400 {@code content_filter} with its {@code innererror},
     * Gemini 200 with {@code promptFeedback.blockReason: SAFETY}. {@link Stage#COMPLETION}: OpenAI and
     * Azure a 200 choice with {@code finish_reason: content_filter}, Gemini a candidate with
     * {@code finishReason: SAFETY} and no content. Anthropic answers 200 with {@code stop_reason: refusal}
     * for both stages.
     */
    record ContentFilter(Stage stage) implements Fault {
        public ContentFilter {
            Objects.requireNonNull(stage, "stage");
        }

        public enum Stage { PROMPT, COMPLETION }
    }

    /** 429 {@code rate_limit_exceeded} with a {@code Retry-After} header. */
    static HttpError rateLimited(Duration retryAfter) {
        return new HttpError(429, "requests", "rate_limit_exceeded", null,
                "Rate limit reached for requests. Please try again in " + retryAfter.toMillis() + "ms.",
                Optional.of(retryAfter));
    }

    /** 429 {@code insufficient_quota}: not worth retrying. */
    static HttpError insufficientQuota() {
        return new HttpError(429, "insufficient_quota", "insufficient_quota", null,
                "You exceeded your current quota, please check your plan and billing details.", Optional.empty());
    }

    /** 500 {@code server_error}. */
    static HttpError serverError() {
        return new HttpError(500, "server_error", null, null,
                "The server had an error while processing your request. Sorry about that!", Optional.empty());
    }

    /** 503: the engine is overloaded. */
    static HttpError overloaded() {
        return new HttpError(503, "server_error", null, null,
                "The engine is currently overloaded, please try again later.", Optional.empty());
    }

    /** 401 {@code invalid_api_key}. */
    static HttpError invalidApiKey() {
        return new HttpError(401, "invalid_request_error", "invalid_api_key", null,
                "Incorrect API key provided. You can find your API key in your account settings.", Optional.empty());
    }

    /** 400 {@code context_length_exceeded}. */
    static HttpError contextLengthExceeded() {
        return new HttpError(400, "invalid_request_error", "context_length_exceeded", "messages",
                "This model's maximum context length is 128000 tokens. However, your messages resulted in more "
                        + "tokens. Please reduce the length of the messages.", Optional.empty());
    }

    static StreamCut streamCut(int afterChunks) {
        return new StreamCut(afterChunks);
    }

    /** After two stream events, an "overloaded" error event (Anthropic {@code overloaded_error}). */
    static MidStreamError midStreamError() {
        return new MidStreamError(2, overloaded());
    }

    static MidStreamError midStreamError(int afterChunks, HttpError error) {
        return new MidStreamError(afterChunks, error);
    }

    /** The prompt is blocked (Azure's 400 {@code content_filter}). */
    static ContentFilter contentFilter() {
        return new ContentFilter(ContentFilter.Stage.PROMPT);
    }

    /** The completion is blocked (Gemini's {@code finishReason: SAFETY}, OpenAI's {@code content_filter}). */
    static ContentFilter safetyBlock() {
        return new ContentFilter(ContentFilter.Stage.COMPLETION);
    }
}
