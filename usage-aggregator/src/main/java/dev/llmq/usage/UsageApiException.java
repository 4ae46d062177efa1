package dev.llmq.usage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.OpenAiError;
import java.util.Objects;

/**
 * A usage request that ends in OpenAI's error shape: {@code {"error":{"message","type","param","code"}}} (the shape
 * the ingest API answers with; the ingest module's renderer is internal to it, so the aggregator renders its own).
 */
public final class UsageApiException extends RuntimeException {

    /** The code of a 503 while the stores move or another instance does not answer; such queries are retried. */
    public static final String UNAVAILABLE = "usage_unavailable";

    /** The longest message the server's own refusals carry. */
    static final int MAX_MESSAGE = 200;

    private final int status;
    private final String type;
    private final String code;
    private final String param;

    public UsageApiException(int status, String type, String code, String param, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.code = code;
        this.param = param;
    }

    /** 400 {@code invalid_request_error} naming the parameter. */
    public static UsageApiException invalid(String param, String message) {
        return new UsageApiException(400, "invalid_request_error", "invalid_value", param, message);
    }

    /**
     * One of the HTTP server's own refusals (a malformed request, a URI or headers too large): a client error named
     * by its status; a server error's message never shows the cause. Messages are cut to {@value #MAX_MESSAGE}
     * characters (the server's may quote the request).
     */
    public static UsageApiException http(int status, String message) {
        String code = OpenAiError.httpCode(status);
        boolean server = OpenAiError.serverSide(status);
        String text = server || message == null || message.isBlank() ? "HTTP " + status
                : message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "...";
        return new UsageApiException(status, server ? "server_error" : "invalid_request_error", code, null, text);
    }

    /** 503: the stores cannot give the whole answer now. */
    public static UsageApiException unavailable(String why) {
        return new UsageApiException(503, "service_unavailable", UNAVAILABLE, null,
                "usage is not available right now (" + why + "); retry shortly");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The OpenAI-shaped body. */
    public ObjectNode body() {
        return OpenAiError.body(getMessage(), type, param, code);
    }
}
