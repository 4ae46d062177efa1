package dev.llmq.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.provider.spi.RetryHints;
import dev.llmq.schemas.Json;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Anthropic errors (piece 5): {@code {"type":"error","error":{"type","message"},"request_id"}} + status + headers →
 * one {@link ProviderError}. The error type decides (docs.anthropic.com/en/api/errors): invalid_request_error 400,
 * authentication_error 401, permission_error 403, not_found_error 404, request_too_large 413, rate_limit_error 429,
 * api_error 500, overloaded_error 529; a message saying the prompt is too long is a context-window error, a credit
 * balance too low (or billing_error), like the workspace's own spend limit reached (a 400 invalid_request_error
 * "You have reached your specified API usage limits. You will regain access on ..."), is an exhausted quota: the
 * key cannot be used until then, whatever the request. Rate limits wait for {@code retry-after}, else for the
 * reset ({@code anthropic-ratelimit-*-reset}, RFC 3339) of the exhausted budget.
 */
public final class AnthropicErrorClassifier {

    private static final Map<String, ErrorKind> BY_TYPE = Map.of(
            "invalid_request_error", ErrorKind.INVALID_REQUEST,
            "authentication_error", ErrorKind.AUTHENTICATION,
            "permission_error", ErrorKind.PERMISSION_DENIED,
            "not_found_error", ErrorKind.NOT_FOUND,
            "request_too_large", ErrorKind.INVALID_REQUEST,
            "rate_limit_error", ErrorKind.RATE_LIMITED,
            "api_error", ErrorKind.SERVER_ERROR,
            "overloaded_error", ErrorKind.OVERLOADED,
            "timeout_error", ErrorKind.TIMEOUT,
            "billing_error", ErrorKind.QUOTA_EXHAUSTED);
    private static final List<String> BUDGETS = List.of("requests", "tokens", "input-tokens", "output-tokens");

    private final Clock clock;
    private final RetryHints hints;

    public AnthropicErrorClassifier(Clock clock) {
        this.clock = clock;
        this.hints = new RetryHints(clock);
    }

    /** Classifies a non-2xx HTTP response. */
    public ProviderError classify(int status, HttpHeaders headers, byte[] body, String secret) {
        JsonNode root = parse(body);
        JsonNode err = root.path("error");
        String type = text(err, "type");
        String message = text(err, "message");
        ErrorKind kind = kind(status, type, message);
        Duration retryAfter = hints.retryAfter(headers)
                .or(() -> kind == ErrorKind.RATE_LIMITED ? reset(headers) : Optional.empty()).orElse(null);
        String requestId = requestId(headers);
        return ProviderError.builder(kind).httpStatus(status).providerType(type)
                .message(message != null ? Redaction.redact(message, secret) : ProviderError.statusOnly(status))
                .retryAfter(retryAfter).requestId(requestId != null ? requestId : text(root, "request_id"))
                .snippet(Redaction.snippet(body, secret)).build();
    }

    /** Classifies an {@code event: error} inside a 200 stream (the HTTP status is reported as 0: none of its own). */
    public ProviderError classifyEvent(JsonNode event, String secret) {
        JsonNode err = event.path("error");
        String type = text(err, "type");
        String message = text(err, "message");
        return ProviderError.builder(kind(0, type, message)).providerType(type)
                .message(message != null ? Redaction.redact(message, secret) : "error event in stream")
                .requestId(text(event, "request_id")).snippet(Redaction.snippet(event.toString(), secret)).build();
    }

    /** Anthropic's {@code request-id} header. */
    public static String requestId(HttpHeaders headers) {
        return headers.firstValue("request-id").orElse(null);
    }

    static ErrorKind kind(int status, String type, String message) {
        String msg = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (msg.contains("prompt is too long") || msg.contains("exceed context limit")
                || msg.contains("context window")) {
            return ErrorKind.CONTEXT_WINDOW_EXCEEDED;
        }
        if (msg.contains("credit balance is too low") || msg.contains("reached your specified api usage limits")) {
            return ErrorKind.QUOTA_EXHAUSTED;
        }
        if (msg.contains("content filtering policy")) {
            return ErrorKind.CONTENT_POLICY;
        }
        ErrorKind byType = type == null ? null : BY_TYPE.get(type);
        if (byType != null) {
            return byType;
        }
        return switch (status) {
            case 401 -> ErrorKind.AUTHENTICATION;
            case 402 -> ErrorKind.QUOTA_EXHAUSTED;
            case 403 -> ErrorKind.PERMISSION_DENIED;
            case 404 -> ErrorKind.NOT_FOUND;
            case 408, 504 -> ErrorKind.TIMEOUT;
            case 429 -> ErrorKind.RATE_LIMITED;
            case 503, 529 -> ErrorKind.OVERLOADED;
            default -> status >= 500 || status == 0 ? ErrorKind.SERVER_ERROR : ErrorKind.INVALID_REQUEST;
        };
    }

    /** The reset of an exhausted budget (remaining 0), else the latest reset announced. */
    Optional<Duration> reset(HttpHeaders headers) {
        Optional<Duration> exhausted = Optional.empty();
        Optional<Duration> any = Optional.empty();
        for (String budget : BUDGETS) {
            Optional<Duration> d = headers.firstValue("anthropic-ratelimit-" + budget + "-reset").flatMap(this::until);
            if (d.isEmpty()) {
                continue;
            }
            any = longer(any, d);
            if (headers.firstValue("anthropic-ratelimit-" + budget + "-remaining").filter("0"::equals).isPresent()) {
                exhausted = longer(exhausted, d);
            }
        }
        return exhausted.isPresent() ? exhausted : any;
    }

    private Optional<Duration> until(String rfc3339) {
        try {
            Duration d = Duration.between(clock.instant(), OffsetDateTime.parse(rfc3339.strip()).toInstant());
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<Duration> longer(Optional<Duration> a, Optional<Duration> b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isPresent() && b.get().compareTo(a.get()) > 0 ? b : a;
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return Json.mapper().createObjectNode();
        }
        try {
            JsonNode n = Json.mapper().readTree(body);
            return n == null ? Json.mapper().createObjectNode() : n;
        } catch (java.io.IOException | RuntimeException e) {
            return Json.mapper().createObjectNode();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }
}
