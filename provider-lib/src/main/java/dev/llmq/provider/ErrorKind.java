package dev.llmq.provider;

import java.util.Locale;

/**
 * One error taxonomy across providers. Each kind says whether a retry may succeed and whether the failure should
 * count against the deployment's health (cooldown / circuit breaker).
 */
public enum ErrorKind {
    INVALID_REQUEST(false, false),
    UNSUPPORTED_PARAMETER(false, false),
    AUTHENTICATION(false, true),
    PERMISSION_DENIED(false, true),
    NOT_FOUND(false, true),
    CONTEXT_WINDOW_EXCEEDED(false, false),
    CONTENT_POLICY(false, false),
    RATE_LIMITED(true, true),
    QUOTA_EXHAUSTED(false, true),
    OVERLOADED(true, true),
    TIMEOUT(true, true),
    SERVER_ERROR(true, true),
    CONNECTION_ERROR(true, false),
    STREAM_TRUNCATED(true, true),
    /** The caller aborted the job (a client cancelled it): not the deployment's fault, never retried. */
    CANCELLED(false, false),
    /** The job's deadline passed (before or during a call, or while it waited): not the deployment's fault. */
    EXPIRED(false, false),
    /**
     * A spend budget stops the job: its tenant's or tag's budget is exhausted and says to fail rather than wait, or
     * every deployment it could use is over its own budget past the job's wait limits. Never retried, and not the
     * deployment's fault.
     */
    BUDGET_EXCEEDED(false, false);

    private final boolean retryable;
    private final boolean cooldown;

    ErrorKind(boolean retryable, boolean cooldown) {
        this.retryable = retryable;
        this.cooldown = cooldown;
    }

    public boolean retryable() {
        return retryable;
    }

    /** Whether this failure counts against the deployment's health. */
    public boolean cooldown() {
        return cooldown;
    }

    /** Whether the caller stopped the call ({@link #CANCELLED}, {@link #EXPIRED}) rather than the provider failing it. */
    public boolean aborted() {
        return this == CANCELLED || this == EXPIRED;
    }

    /** snake_case name used on the wire and as a bounded metric tag. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** OpenAI's error {@code type} for this kind, as clients of an OpenAI-shaped API expect it. */
    public String openAiType() {
        return switch (this) {
            case INVALID_REQUEST, UNSUPPORTED_PARAMETER, CONTEXT_WINDOW_EXCEEDED, CONTENT_POLICY, NOT_FOUND ->
                    "invalid_request_error";
            case AUTHENTICATION -> "authentication_error";
            case PERMISSION_DENIED -> "permission_error";
            case RATE_LIMITED -> "rate_limit_error";
            case QUOTA_EXHAUSTED -> "insufficient_quota";
            case TIMEOUT -> "timeout";
            case OVERLOADED, SERVER_ERROR, CONNECTION_ERROR, STREAM_TRUNCATED -> "api_error";
            case CANCELLED -> "cancelled";
            case EXPIRED -> "expired";
            case BUDGET_EXCEEDED -> "budget_exceeded";
        };
    }
}
