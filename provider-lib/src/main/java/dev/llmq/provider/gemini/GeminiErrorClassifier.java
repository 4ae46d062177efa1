package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.provider.spi.RetryHints;
import dev.llmq.schemas.Json;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Google API errors (piece 5): {@code {"error":{"code","message","status","details"}}} (also wrapped in a one-element
 * array, as non-SSE streams send it) + status + headers → one {@link ProviderError}. The canonical status decides
 * (ai.google.dev/gemini-api/docs/generate-content/api-errors, google.rpc.Code): INVALID_ARGUMENT 400 → invalid
 * request (a token-limit message → context window; {@code ErrorInfo.reason} API_KEY_INVALID → authentication),
 * FAILED_PRECONDITION 400 ("free tier is not available in your country", billing not enabled: the project's
 * standing, not the request's fault) → permission denied, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND
 * 404, RESOURCE_EXHAUSTED 429 → rate limited, or quota exhausted when a {@code QuotaFailure} violation is a per-day
 * quota, RESOURCE_EXHAUSTED 402 (prepay credits depleted; sent as a 429 before, recognised by its message) → quota
 * exhausted, INTERNAL 500, UNAVAILABLE 503 → overloaded, DEADLINE_EXCEEDED 504 → timeout. The retry hint is
 * {@code Retry-After}, else {@code RetryInfo.retryDelay}. {@code providerType} is the status, {@code providerCode}
 * the ErrorInfo reason.
 */
public final class GeminiErrorClassifier {

    private static final Map<String, ErrorKind> BY_STATUS = Map.of(
            "INVALID_ARGUMENT", ErrorKind.INVALID_REQUEST,
            "FAILED_PRECONDITION", ErrorKind.PERMISSION_DENIED,
            "OUT_OF_RANGE", ErrorKind.INVALID_REQUEST,
            "UNAUTHENTICATED", ErrorKind.AUTHENTICATION,
            "PERMISSION_DENIED", ErrorKind.PERMISSION_DENIED,
            "NOT_FOUND", ErrorKind.NOT_FOUND,
            "RESOURCE_EXHAUSTED", ErrorKind.RATE_LIMITED,
            "INTERNAL", ErrorKind.SERVER_ERROR,
            "UNAVAILABLE", ErrorKind.OVERLOADED,
            "DEADLINE_EXCEEDED", ErrorKind.TIMEOUT);

    private final RetryHints hints;

    public GeminiErrorClassifier(Clock clock) {
        this.hints = new RetryHints(clock);
    }

    /** Classifies a non-2xx HTTP response. */
    public ProviderError classify(int status, HttpHeaders headers, byte[] body, String secret) {
        return classifyBody(status, headers, parse(body), body, secret);
    }

    /**
     * Classifies a parsed error body.
     *
     * @param status the HTTP status, or 0 for an error inside a 200 stream
     * @param headers response headers, or null
     * @param raw the raw body for the snippet, or null to use {@code root}
     */
    ProviderError classifyBody(int status, HttpHeaders headers, JsonNode root, byte[] raw, String secret) {
        JsonNode err = root.path("error");
        String grpc = text(err, "status");
        String message = text(err, "message");
        String reason = null;
        String quotaId = null;
        Duration retryDelay = null;
        for (JsonNode d : err.path("details")) {
            String type = d.path("@type").asText("");
            if (type.endsWith("google.rpc.ErrorInfo")) {
                reason = text(d, "reason");
            } else if (type.endsWith("google.rpc.RetryInfo")) {
                retryDelay = protoDuration(d.path("retryDelay").asText("")).orElse(null);
            } else if (type.endsWith("google.rpc.QuotaFailure")) {
                for (JsonNode v : d.path("violations")) {
                    quotaId = quotaId != null ? quotaId : text(v, "quotaId");
                }
            }
        }
        int code = status > 0 ? status : err.path("code").asInt(0);
        ErrorKind kind = kind(code, grpc, reason, message, quotaId);
        Duration retryAfter = headers == null ? null : hints.retryAfter(headers).orElse(null);
        if (retryAfter == null) {
            retryAfter = retryDelay;
        }
        String snippet = raw != null ? Redaction.snippet(raw, secret) : Redaction.snippet(root.toString(), secret);
        return ProviderError.builder(kind).httpStatus(status).providerType(grpc).providerCode(reason)
                .message(message != null ? Redaction.redact(message, secret) : ProviderError.statusOnly(status))
                .retryAfter(retryAfter).requestId(headers == null ? null : requestId(headers)).snippet(snippet)
                .build();
    }

    /** Google documents no request-id header for this API; {@code x-request-id} is read when a proxy sets one. */
    public static String requestId(HttpHeaders headers) {
        return headers.firstValue("x-request-id").orElse(null);
    }

    static ErrorKind kind(int status, String grpc, String reason, String message, String quotaId) {
        String msg = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if ("API_KEY_INVALID".equals(reason) || msg.contains("api key not valid")) {
            return ErrorKind.AUTHENTICATION;
        }
        if (msg.contains("exceeds the maximum number of tokens") || msg.contains("input token count")
                || msg.contains("context window")) {
            return ErrorKind.CONTEXT_WINDOW_EXCEEDED;
        }
        if (status == 402 || msg.contains("prepayment credits are depleted")) {
            return ErrorKind.QUOTA_EXHAUSTED;
        }
        ErrorKind byStatus = grpc == null ? null : BY_STATUS.get(grpc);
        if (byStatus == null) {
            byStatus = switch (status) {
                case 401 -> ErrorKind.AUTHENTICATION;
                case 403 -> ErrorKind.PERMISSION_DENIED;
                case 404 -> ErrorKind.NOT_FOUND;
                case 408, 504 -> ErrorKind.TIMEOUT;
                case 429 -> ErrorKind.RATE_LIMITED;
                case 503 -> ErrorKind.OVERLOADED;
                default -> status >= 500 || status == 0 ? ErrorKind.SERVER_ERROR : ErrorKind.INVALID_REQUEST;
            };
        }
        if (byStatus == ErrorKind.RATE_LIMITED && quotaId != null && quotaId.contains("PerDay")) {
            return ErrorKind.QUOTA_EXHAUSTED;
        }
        return byStatus;
    }

    /** A protobuf JSON duration: {@code "37s"}, {@code "1.5s"}. */
    static Optional<Duration> protoDuration(String raw) {
        String v = raw.strip();
        if (!v.endsWith("s") || v.length() < 2) {
            return Optional.empty();
        }
        try {
            double seconds = Double.parseDouble(v.substring(0, v.length() - 1));
            if (seconds < 0 || Double.isNaN(seconds) || seconds > 86_400) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis((long) Math.ceil(seconds * 1000)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = body == null || body.length == 0 ? null : Json.mapper().readTree(body);
            if (n != null && n.isArray() && !n.isEmpty()) {
                n = n.get(0);
            }
            return n != null && n.isObject() ? n : Json.mapper().createObjectNode();
        } catch (java.io.IOException | RuntimeException e) {
            return Json.mapper().createObjectNode();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }
}
