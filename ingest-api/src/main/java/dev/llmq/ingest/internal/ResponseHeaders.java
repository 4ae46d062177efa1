package dev.llmq.ingest.internal;

/** HTTP response header names of the ingest API that OpenAI's SDKs read. */
public final class ResponseHeaders {

    private ResponseHeaders() {
    }

    /**
     * {@code false} on an error a retry of the same request cannot fix although its status is one OpenAI's SDKs
     * retry by themselves (408, 409, 429, 5xx): they obey it, and never retry ({@link ApiException#withoutRetry()}).
     */
    public static final String SHOULD_RETRY = "x-should-retry";

    /** A new id on every response ({@link RequestIds}), which OpenAI's SDKs show as the request's id. */
    public static final String REQUEST_ID = "x-request-id";
}
