package dev.llmq.ingest.internal;

import dev.llmq.schemas.OpenAiError;
import java.time.Duration;
import java.util.Objects;

/**
 * A request that ends in an OpenAI-shaped error: {@code {"error":{"message","type","param","code"}}}.
 *
 * @see ErrorBodies
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final String reason;
    private final Duration retryAfter;
    private final boolean unconfirmed;
    private final boolean retryFutile;

    /**
     * @param reason the bounded tag value for {@code llmq.ingest.rejected{reason}}
     */
    public ApiException(int status, String type, String code, String param, String message, String reason) {
        this(status, type, code, param, message, reason, null, false, false);
    }

    private ApiException(int status, String type, String code, String param, String message, String reason,
                         Duration retryAfter, boolean unconfirmed, boolean retryFutile) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.code = code;
        this.param = param;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.retryAfter = retryAfter;
        this.unconfirmed = unconfirmed;
        this.retryFutile = retryFutile;
    }

    /** The same error telling the client when to try again (a {@code Retry-After} header, whole seconds, >= 1). */
    public ApiException withRetryAfter(Duration after) {
        return new ApiException(status, type, code, param, getMessage(), reason, Objects.requireNonNull(after, "after"),
                unconfirmed, retryFutile);
    }

    /**
     * The same error saying that the client should not retry the request as it is ({@code x-should-retry: false},
     * which OpenAI's SDKs obey): for a status they would otherwise retry by themselves (408, 409, 429, 5xx) when the
     * answer is final (a finished batch) or lasts longer than a retry waits (an exhausted budget).
     */
    public ApiException withoutRetry() {
        return new ApiException(status, type, code, param, getMessage(), reason, retryAfter, unconfirmed, true);
    }

    /** True for {@link #withoutRetry()}: a retry of the same request cannot succeed (or could do harm). */
    public boolean retryFutile() {
        return retryFutile;
    }

    public static ApiException invalid(String code, String param, String message) {
        return new ApiException(400, "invalid_request_error", code, param, message, reasonFor(code));
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", "not_found", null, message, "not_found");
    }

    /**
     * An error the HTTP layer answers by itself (Jetty's bad requests, Javalin's missing routes), by status: 400
     * {@code bad_request}, 404 {@code not_found}, 405 {@code method_not_allowed}, 413 {@code request_too_large}, 414
     * {@code uri_too_long}, 415 {@code unsupported_media_type}, 431 {@code request_header_fields_too_large}, 505
     * {@code http_version_not_supported} (the client's error); any other 5xx is a {@code server_error} whose message
     * never carries the detail.
     */
    public static ApiException http(int status, String message) {
        String code = OpenAiError.httpCode(status);
        boolean server = OpenAiError.serverSide(status);
        String text = server || message == null || message.isBlank() ? "HTTP " + status : message;
        ApiException e = new ApiException(status, server ? "server_error" : "invalid_request_error", code, null, text,
                server ? "http_5xx" : code);
        return status == 505 ? e.withoutRetry() : e; // the client's HTTP version: the same request fails again
    }

    public static ApiException kafkaUnavailable(String message) {
        return new ApiException(503, "service_unavailable", "kafka_unavailable", null, message, "kafka_unavailable");
    }

    /**
     * 503 {@code kafka_unavailable} for a submission Kafka may have enqueued: its transaction's commit was asked for,
     * and not confirmed. A retry with the same {@code Idempotency-Key} is answered with it if it was
     * ({@link #unconfirmed()}).
     */
    public static ApiException unconfirmed(String message) {
        return new ApiException(503, "service_unavailable", "kafka_unavailable", null, message, "kafka_unavailable",
                null, true, false);
    }

    /** True for {@link #unconfirmed(String)}: what was submitted may have been enqueued. */
    public boolean unconfirmed() {
        return unconfirmed;
    }

    /** 422 {@code idempotency_key_reused}: the key was already used for another submission, as {@code message} says. */
    public static ApiException idempotencyKeyReused(String message) {
        return new ApiException(422, "invalid_request_error", "idempotency_key_reused", "Idempotency-Key", message,
                "idempotency_conflict");
    }

    /** 503 {@code ingest_busy}: this instance cannot take the request now; nothing was written, retry after. */
    public static ApiException busy(String message, Duration retryAfter) {
        return new ApiException(503, "service_unavailable", "ingest_busy", null, message, "busy")
                .withRetryAfter(retryAfter);
    }

    /**
     * 404 for a batch id the caller cannot see, with OpenAI's code {@code batch_not_found}, which clients of its Batch
     * API test for (a bare {@code not_found} is what an unknown route answers).
     */
    public static ApiException batchNotFound(String id) {
        return new ApiException(404, "invalid_request_error", "batch_not_found", null,
                "no batch with id '" + id + "'", "not_found");
    }

    /** The same error with its message and param placed in a multi-job submission (e.g. {@code line 17}). */
    public ApiException at(String location, String paramLocation) {
        String p = param == null ? paramLocation : paramLocation + ": " + param;
        return new ApiException(status, type, code, p, location + ": " + getMessage(), reason, retryAfter,
                unconfirmed, retryFutile);
    }

    private static String reasonFor(String code) {
        return switch (code) {
            case "invalid_json" -> "malformed_json";
            case "model_not_found" -> "model_not_found";
            case "request_too_large" -> "too_large";
            case "unsupported_media_type" -> "unsupported_media_type";
            default -> "invalid_request";
        };
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public String reason() {
        return reason;
    }

    /** The {@code Retry-After} header's value in seconds (rounded up, at least 1), or null for none. */
    public Long retryAfterSeconds() {
        if (retryAfter == null) {
            return null;
        }
        long seconds = retryAfter.toSeconds() + (retryAfter.toNanosPart() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
