package dev.llmq.runtime.mock;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One request the mock server received, as logged when it decided the answer (on arrival).
 *
 * @param receivedAt       from the server's clock
 * @param protocol         {@code openai}, {@code azure}, {@code anthropic} or {@code gemini}
 * @param model            the deployment the request addressed: the body's {@code model}, Azure's deployment
 *                         path segment or Gemini's model path segment ({@code ""} when absent)
 * @param status           the HTTP status it answered
 * @param outcome          {@code ok}, {@code fault}, {@code stream_cut}, {@code mid_stream_error},
 *                         {@code content_filter}, {@code unauthorized} or {@code bad_request}
 * @param hasAuthorization whether credentials were sent (their value is never kept)
 * @param headers          request headers with lower-case names, credentials removed
 * @param clientClosedAt   when the server saw the client close the connection before the answer ended (a cancelled
 *                         call: a slow answer's wait, a stream mid-way), by the server's clock, within about 0.1 s;
 *                         null when it did not
 * @param body             the request body as received (UTF-8), cut at {@link #BODY_LIMIT} bytes; kept for the
 *                         last {@link #BODIES_KEPT} requests only, null for older ones
 * @param bodyBytes        the whole body's size in bytes (0 when {@code body} is null)
 */
public record RecordedRequest(long sequence, Instant receivedAt, String protocol, String method, String path,
                              String model, boolean stream, int status, String outcome, boolean hasAuthorization,
                              Map<String, String> headers, Instant clientClosedAt, String body, int bodyBytes) {

    /** How many of the latest requests keep their body. */
    public static final int BODIES_KEPT = 1_000;

    /** The most of a body kept, in bytes; a longer one is cut there ({@link #bodyTruncated}). */
    public static final int BODY_LIMIT = 16 * 1024;

    /** A request whose client has not closed its connection early. */
    public RecordedRequest(long sequence, Instant receivedAt, String protocol, String method, String path,
                           String model, boolean stream, int status, String outcome, boolean hasAuthorization,
                           Map<String, String> headers) {
        this(sequence, receivedAt, protocol, method, path, model, stream, status, outcome, hasAuthorization, headers,
                null, null, 0);
    }

    /** Whether the body kept is cut (the request's was longer than {@link #BODY_LIMIT}). */
    public boolean bodyTruncated() {
        return body != null && bodyBytes > BODY_LIMIT;
    }

    /** Whether the client closed the connection before the answer ended. */
    public boolean clientClosed() {
        return clientClosedAt != null;
    }

    public RecordedRequest withClientClosedAt(Instant at) {
        return new RecordedRequest(sequence, receivedAt, protocol, method, path, model, stream, status, outcome,
                hasAuthorization, headers, at, body, bodyBytes);
    }

    public RecordedRequest withBody(String body, int bodyBytes) {
        return new RecordedRequest(sequence, receivedAt, protocol, method, path, model, stream, status, outcome,
                hasAuthorization, headers, clientClosedAt, body, bodyBytes);
    }

    public RecordedRequest {
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(outcome, "outcome");
        headers = Map.copyOf(headers);
    }
}
