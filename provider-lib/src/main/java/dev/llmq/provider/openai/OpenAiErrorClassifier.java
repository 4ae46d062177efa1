package dev.llmq.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.provider.spi.RetryHints;
import dev.llmq.schemas.Json;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Classifies OpenAI, Azure OpenAI and OpenAI-compatible errors: status + body + headers → one {@link ProviderError}.
 * The body's {@code error.code} / {@code error.type} win over the status where they say more (quota, context
 * window, content policy, unsupported parameter); otherwise the status decides. A 400 {@code invalid_prompt} whose
 * message says the prompt "was flagged as potentially violating our usage policy" (OpenAI's prompt screening of
 * its reasoning models) is a content-policy error, so {@code content_policy_fallbacks} apply; other
 * {@code invalid_prompt} errors (OpenRouter's name for a malformed message) stay invalid requests. A
 * {@code model_not_found} (Azure: {@code DeploymentNotFound}) is {@code not_found} whatever the status, as in LiteLLM:
 * OpenAI answers 403 with it when the project has no access to the model, which no retry changes. A
 * {@code rate_limit_exceeded} is {@code rate_limited} whatever the status (Groq's 413 for a request over the tokens per
 * minute), as LiteLLM reads its words: another deployment or a fallback may take it.
 */
public final class OpenAiErrorClassifier {

    private static final Set<String> CONTENT_POLICY_CODES = Set.of("content_filter", "content_policy_violation",
            "responsibleaipolicyviolation", "content_management_policy_violation", "moderation_blocked");
    private static final List<String> CONTEXT_PHRASES = List.of("maximum context length", "context_length_exceeded",
            "context window", "exceed context limit", "model's maximum context limit",
            "is longer than the model's context length", "is longer than the maximum model length",
            "input tokens exceed the configured limit", "`inputs` tokens + `max_new_tokens` must be",
            "exceeds the available context size", "exceeds the maximum number of tokens allowed",
            "exceeds the context length", "loaded with context length of only", "prompt is too long");
    private static final Pattern RATE_LIMIT_WORDS = Pattern.compile("(?i)\\brate[\\s_-]*limit");
    private static final Pattern STATUS_CODE = Pattern.compile("[1-5]\\d\\d");
    private static final Set<String> NOT_FOUND_CODES = Set.of("model_not_found", "deploymentnotfound");
    private static final Set<String> UNSUPPORTED_CODES = Set.of("unsupported_parameter", "unsupported_value");
    private static final Map<String, ErrorKind> BY_TYPE = Map.of(
            "invalid_request_error", ErrorKind.INVALID_REQUEST,
            "authentication_error", ErrorKind.AUTHENTICATION,
            "permission_error", ErrorKind.PERMISSION_DENIED,
            "not_found_error", ErrorKind.NOT_FOUND,
            "rate_limit_error", ErrorKind.RATE_LIMITED,
            "rate_limit_exceeded", ErrorKind.RATE_LIMITED,
            "server_error", ErrorKind.SERVER_ERROR,
            "overloaded_error", ErrorKind.OVERLOADED,
            "timeout", ErrorKind.TIMEOUT);

    private final RetryHints hints;

    public OpenAiErrorClassifier(Clock clock) {
        this.hints = new RetryHints(clock);
    }

    /** Classifies a non-2xx HTTP response. */
    public ProviderError classify(int status, HttpHeaders headers, byte[] body, String secret) {
        Parsed p = parse(body);
        ErrorKind kind = kind(status, p);
        Duration retryAfter = (kind == ErrorKind.RATE_LIMITED ? hints.retryAfterOrReset(headers)
                : hints.retryAfter(headers)).orElse(null);
        String message = p.message != null ? Redaction.redact(p.message, secret) : ProviderError.statusOnly(status);
        return ProviderError.builder(kind).httpStatus(status).providerType(p.type).providerCode(p.code)
                .message(message).param(p.param).retryAfter(retryAfter).requestId(requestId(headers))
                .snippet(Redaction.snippet(body, secret)).build();
    }

    /** Classifies an {@code {"error": ...}} event inside a 200 stream; the error's own status is used if it has one. */
    public ProviderError classifyEvent(JsonNode event, String secret) {
        Parsed p = parse(event);
        int status = p.status;
        ErrorKind kind = status > 0 ? kind(status, p) : kindWithoutStatus(p);
        String message = p.message != null ? Redaction.redact(p.message, secret) : "error event in stream";
        return ProviderError.builder(kind).httpStatus(status).providerType(p.type).providerCode(p.code)
                .message(message).param(p.param).snippet(Redaction.snippet(event.toString(), secret)).build();
    }

    /** {@code x-request-id} (OpenAI), then Azure's {@code apim-request-id} / {@code x-ms-request-id}. */
    public static String requestId(HttpHeaders headers) {
        return headers.firstValue("x-request-id")
                .or(() -> headers.firstValue("apim-request-id"))
                .or(() -> headers.firstValue("x-ms-request-id"))
                .orElse(null);
    }

    static ErrorKind kind(int status, Parsed p) {
        ErrorKind fromBody = fromBody(p);
        if (fromBody != null) {
            return fromBody;
        }
        if (status == 400 || status == 422) {
            if (p.code != null && UNSUPPORTED_CODES.contains(lower(p.code))) {
                return ErrorKind.UNSUPPORTED_PARAMETER;
            }
            return ErrorKind.INVALID_REQUEST;
        }
        return switch (status) {
            case 401 -> ErrorKind.AUTHENTICATION;
            case 403 -> ErrorKind.PERMISSION_DENIED;
            case 404 -> ErrorKind.NOT_FOUND;
            case 408 -> ErrorKind.TIMEOUT;
            case 409 -> ErrorKind.SERVER_ERROR; // OpenAI's SDKs retry 409 (lock timeout)
            case 413 -> ErrorKind.INVALID_REQUEST;
            case 424 -> ErrorKind.SERVER_ERROR; // TGI: the model failed while generating (its 422 is validation)
            case 429 -> ErrorKind.RATE_LIMITED;
            case 503, 529 -> ErrorKind.OVERLOADED;
            default -> status >= 500 ? ErrorKind.SERVER_ERROR
                    : status >= 400 ? ErrorKind.INVALID_REQUEST : ErrorKind.SERVER_ERROR;
        };
    }

    /** Kinds the body alone decides, whatever the status. */
    private static ErrorKind fromBody(Parsed p) {
        String code = lower(p.code);
        String type = lower(p.type);
        String inner = lower(p.innerCode);
        String msg = lower(p.message);
        if ("insufficient_quota".equals(code) || "insufficient_quota".equals(type)) {
            return ErrorKind.QUOTA_EXHAUSTED;
        }
        if ("rate_limit_exceeded".equals(code)) {
            return ErrorKind.RATE_LIMITED; // Groq and Cerebras say 413 for a request over the minute's token limit
        }
        if (contextWindow(code, type, msg)) {
            return ErrorKind.CONTEXT_WINDOW_EXCEEDED;
        }
        if (code != null && CONTENT_POLICY_CODES.contains(code) || type != null && CONTENT_POLICY_CODES.contains(type)
                || inner != null && CONTENT_POLICY_CODES.contains(inner)) {
            return ErrorKind.CONTENT_POLICY;
        }
        if ("invalid_prompt".equals(code) && msg != null && msg.contains("usage policy")) {
            return ErrorKind.CONTENT_POLICY; // OpenAI's safety check of a reasoning model's prompt
        }
        if (code != null && NOT_FOUND_CODES.contains(code)) {
            return ErrorKind.NOT_FOUND; // OpenAI says 403 when the project may not use the model: it will not change
        }
        return null;
    }

    /**
     * Whether the error says the prompt does not fit the model's context. OpenAI says so by its code; compatible
     * servers by their own words, which LiteLLM also reads ({@code is_error_str_context_window_exceeded}): vLLM's
     * "maximum context length" and "is longer than the maximum model length", TGI's "`inputs` tokens +
     * `max_new_tokens` must be", llama.cpp's "exceeds the available context size" ({@code exceed_context_size_error}),
     * Ollama's "input length exceeds the context length", LM Studio's "loaded with context length of only", Claude's
     * "prompt is too long" behind a proxy, Cerebras' "current length is … while limit is …".
     */
    private static boolean contextWindow(String code, String type, String msg) {
        if ("context_length_exceeded".equals(code) || "exceed_context_size_error".equals(type)) {
            return true;
        }
        if (msg == null) {
            return false;
        }
        for (String phrase : CONTEXT_PHRASES) {
            if (msg.contains(phrase)) {
                return true;
            }
        }
        return msg.contains("current length is") && msg.contains("while limit is")
                || msg.contains("maximum input length is") && msg.contains("tokens");
    }

    private static ErrorKind kindWithoutStatus(Parsed p) {
        ErrorKind fromBody = fromBody(p);
        if (fromBody != null) {
            return fromBody;
        }
        if (p.code != null && UNSUPPORTED_CODES.contains(lower(p.code))) {
            return ErrorKind.UNSUPPORTED_PARAMETER;
        }
        ErrorKind byCode = p.code == null ? null : BY_TYPE.get(lower(p.code));
        ErrorKind byType = p.type == null ? null : BY_TYPE.get(lower(p.type));
        if (byCode != null || byType != null) {
            return byCode != null ? byCode : byType;
        }
        // no status, code or type that says what it is: the words, as LiteLLM reads them ("Rate limit exceeded")
        return p.message != null && RATE_LIMIT_WORDS.matcher(p.message).find() ? ErrorKind.RATE_LIMITED
                : ErrorKind.SERVER_ERROR;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /**
     * The fields of an OpenAI-style error body (also FastAPI's {@code detail}, vLLM's flat form and Google's list of
     * one error).
     */
    record Parsed(String message, String type, String code, String param, String innerCode, int status) {
    }

    static Parsed parse(byte[] body) {
        if (body == null || body.length == 0) {
            return new Parsed(null, null, null, null, null, 0);
        }
        try {
            return parse(Json.mapper().readTree(body));
        } catch (java.io.IOException | RuntimeException e) {
            return new Parsed(null, null, null, null, null, 0);
        }
    }

    static Parsed parse(JsonNode body) {
        // Gemini's OpenAI-compatible endpoint answers its errors as a list of one: [{"error": {...}}]
        JsonNode root = body != null && body.isArray() && !body.isEmpty() ? body.get(0) : body;
        if (root == null || !root.isObject()) {
            return new Parsed(null, null, null, null, null, 0);
        }
        JsonNode err = root.get("error");
        if (err != null && err.isTextual()) {
            return new Parsed(err.asText(), text(root, "type"), text(root, "code"), null, null, 0);
        }
        JsonNode e = err != null && err.isObject() ? err : root;
        String message = text(e, "message");
        if (message == null && e.has("detail")) {
            message = e.get("detail").isTextual() ? e.get("detail").asText() : e.get("detail").toString();
        }
        JsonNode innerErr = e.path("innererror");
        String inner = text(innerErr, "code");
        int status = e.path("status").canConvertToInt() ? e.path("status").asInt()
                : e.path("code").isInt() ? e.path("code").asInt() : statusIn(text(e, "code"));
        return new Parsed(message, text(e, "type"), text(e, "code"), text(e, "param"), inner,
                status >= 100 && status < 600 ? status : 0);
    }

    /** Azure's codes are strings, its status among them ({@code "code": "429"}). */
    private static int statusIn(String code) {
        return code != null && STATUS_CODE.matcher(code).matches() ? Integer.parseInt(code) : 0;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() ? null : s;
    }
}
