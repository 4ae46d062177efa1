package dev.llmq.ingest.internal;

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

    /**
     * @param reason the bounded tag value for {@code llmq.ingest.rejected{reason}}
     */
    public ApiException(int status, String type, String code, String param, String message, String reason) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.code = code;
        this.param = param;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public static ApiException invalid(String code, String param, String message) {
        return new ApiException(400, "invalid_request_error", code, param, message, reasonFor(code));
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", "not_found", null, message, "not_found");
    }

    public static ApiException kafkaUnavailable(String message) {
        return new ApiException(503, "service_unavailable", "kafka_unavailable", null, message, "kafka_unavailable");
    }

    /** The same error with its message and param placed in a multi-job submission (e.g. {@code line 17}). */
    public ApiException at(String location, String paramLocation) {
        String p = param == null ? paramLocation : paramLocation + ": " + param;
        return new ApiException(status, type, code, p, location + ": " + getMessage(), reason);
    }

    private static String reasonFor(String code) {
        return switch (code) {
            case "invalid_json" -> "malformed_json";
            case "model_not_found" -> "model_not_found";
            case "request_too_large" -> "too_large";
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
}
