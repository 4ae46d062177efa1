package dev.llmq.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class OpenAiErrorClassifierTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    final OpenAiErrorClassifier classifier = new OpenAiErrorClassifier(CLOCK);

    static HttpHeaders headers(String... kv) {
        Map<String, List<String>> m = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], List.of(kv[i + 1]));
        }
        return HttpHeaders.of(m, (a, b) -> true);
    }

    static byte[] body(String type, String code, String message) {
        String t = type == null ? "null" : "\"" + type + "\"";
        String c = code == null ? "null" : "\"" + code + "\"";
        return ("{\"error\":{\"message\":\"" + message + "\",\"type\":" + t + ",\"param\":null,\"code\":" + c + "}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1}/{2} -> {4}")
    @CsvSource(nullValues = "-", value = {
            "429, insufficient_quota, insufficient_quota, You exceeded your current quota, QUOTA_EXHAUSTED",
            "429, requests, rate_limit_exceeded, Rate limit reached for gpt-4o, RATE_LIMITED",
            "429, -, -, slow down, RATE_LIMITED",
            "400, invalid_request_error, context_length_exceeded, This model's maximum context length is 8192 tokens, CONTEXT_WINDOW_EXCEEDED",
            "400, invalid_request_error, -, This model's maximum context length is 128000 tokens, CONTEXT_WINDOW_EXCEEDED",
            "400, invalid_request_error, content_policy_violation, Your request was rejected, CONTENT_POLICY",
            "400, -, content_filter, The response was filtered, CONTENT_POLICY",
            "400, invalid_request_error, invalid_prompt, Invalid prompt: your prompt was flagged as potentially "
                    + "violating our usage policy. Please try again with a different prompt, CONTENT_POLICY",
            "400, invalid_request_error, invalid_prompt, Invalid prompt: messages[1] has an unsupported role, "
                    + "INVALID_REQUEST",
            "400, invalid_request_error, unsupported_parameter, Unsupported parameter: 'max_tokens', UNSUPPORTED_PARAMETER",
            "400, invalid_request_error, unsupported_value, Unsupported value: 'temperature', UNSUPPORTED_PARAMETER",
            "400, invalid_request_error, -, Invalid type for 'messages', INVALID_REQUEST",
            "422, -, -, validation failed, INVALID_REQUEST",
            "413, -, -, too large, INVALID_REQUEST",
            "413, tokens, rate_limit_exceeded, Request too large for model `llama-3.1-70b-versatile` on tokens per "
                    + "minute (TPM): Limit 6000 Requested 14368 please reduce your message size, RATE_LIMITED",
            "401, invalid_request_error, invalid_api_key, Incorrect API key provided, AUTHENTICATION",
            "403, -, unsupported_country_region_territory, Country not supported, PERMISSION_DENIED",
            "404, invalid_request_error, model_not_found, The model does not exist, NOT_FOUND",
            "403, invalid_request_error, model_not_found, Project `proj_1` does not have access to model `gpt-4o`, "
                    + "NOT_FOUND",
            "404, -, DeploymentNotFound, The API deployment for this resource does not exist, NOT_FOUND",
            "400, invalid_request_error, model_not_found, The model `gpt-9` does not exist, NOT_FOUND",
            "408, -, -, timeout, TIMEOUT",
            "409, -, -, conflict, SERVER_ERROR",
            "424, -, -, Request failed during generation: Server error: CUDA out of memory, SERVER_ERROR",
            "500, server_error, -, The server had an error, SERVER_ERROR",
            "502, -, -, bad gateway, SERVER_ERROR",
            "503, -, -, The engine is currently overloaded, OVERLOADED",
            "529, overloaded_error, -, Overloaded, OVERLOADED",
            "418, -, -, teapot, INVALID_REQUEST",
    })
    void classifiesStatusAndBody(int status, String type, String code, String message, ErrorKind expected) {
        ProviderError e = classifier.classify(status, headers(), body(type, code, message), null);
        assertThat(e.kind()).isEqualTo(expected);
        assertThat(e.httpStatus()).isEqualTo(status);
        assertThat(e.providerType()).isEqualTo(type);
        assertThat(e.providerCode()).isEqualTo(code);
        assertThat(e.message()).isEqualTo(message);
    }

    /** The words compatible servers use for a prompt over the model's context, each in its server's error shape. */
    static Stream<Arguments> contextWindowBodies() {
        return Stream.of(
                Arguments.of("vLLM", 400, "{\"object\":\"error\",\"message\":\"The decoder prompt (length 5000) is "
                        + "longer than the maximum model length of 4096. Make sure that `max_model_len` is no smaller "
                        + "than the number of text tokens.\",\"type\":\"BadRequestError\",\"param\":null,"
                        + "\"code\":400}"),
                Arguments.of("TGI", 422, "{\"error\":\"Input validation error: `inputs` tokens + `max_new_tokens` "
                        + "must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`\","
                        + "\"error_type\":\"validation\"}"),
                Arguments.of("llama.cpp", 400, "{\"error\":{\"code\":400,\"message\":\"the request exceeds the "
                        + "available context size, try increasing it\",\"type\":\"exceed_context_size_error\","
                        + "\"n_prompt_tokens\":5000,\"n_ctx\":4096}}"),
                Arguments.of("Ollama", 400, "{\"error\":{\"message\":\"the input length exceeds the context length\","
                        + "\"type\":\"api_error\",\"param\":null,\"code\":null}}"),
                Arguments.of("LM Studio", 400, "{\"error\":\"Trying to keep the first 5000 tokens when context the "
                        + "overflows. However, the model is loaded with context length of only 4096 tokens, which is "
                        + "not enough. Try to load the model with a larger context length, or provide a shorter "
                        + "input\"}"),
                Arguments.of("Claude behind a proxy", 400, "{\"error\":{\"message\":\"prompt is too long: 210000 "
                        + "tokens > 200000 maximum\",\"type\":\"invalid_request_error\"}}"),
                Arguments.of("Cerebras", 400, "{\"message\":\"Please reduce the length of the messages or "
                        + "completion. Current length is 9000 while limit is 8192\","
                        + "\"type\":\"invalid_request_error\",\"param\":\"messages\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contextWindowBodies")
    void compatibleServersWordsForAPromptOverTheContext(String server, int status, String body) {
        ProviderError e = classifier.classify(status, headers(), body.getBytes(StandardCharsets.UTF_8), null);
        assertThat(e.kind()).as(server).isEqualTo(ErrorKind.CONTEXT_WINDOW_EXCEEDED);
    }

    @Test
    void insufficientQuotaIsNotRetryableButRateLimitIs() {
        assertThat(classifier.classify(429, headers(), body("insufficient_quota", "insufficient_quota", "q"), null))
                .extracting(ProviderError::kind, ProviderError::retryable)
                .containsExactly(ErrorKind.QUOTA_EXHAUSTED, false);
        assertThat(classifier.classify(429, headers(), body("requests", "rate_limit_exceeded", "r"), null))
                .extracting(ProviderError::kind, ProviderError::retryable)
                .containsExactly(ErrorKind.RATE_LIMITED, true);
    }

    @Test
    void azureContentFilterWithInnerError() {
        String azure = """
                {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
                "type":null,"param":"prompt","code":"content_filter","status":400,
                "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,"severity":"high"}}}}}""";
        ProviderError e = classifier.classify(400, headers("apim-request-id", "abc-123"),
                azure.getBytes(StandardCharsets.UTF_8), null);
        assertThat(e.kind()).isEqualTo(ErrorKind.CONTENT_POLICY);
        assertThat(e.param()).isEqualTo("prompt");
        assertThat(e.requestId()).isEqualTo("abc-123");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "retry-after-ms=1500|PT1.5S",
            "retry-after=20|PT20S",
            "retry-after=Thu, 01 Jan 2026 00:00:30 GMT|PT30S",
            "retry-after=Wed, 31 Dec 2025 23:59:00 GMT|PT0S",
            "retry-after-ms=250;retry-after=20|PT0.25S",
            "x-ratelimit-reset-requests=6m0s;x-ratelimit-reset-tokens=1s;x-ratelimit-remaining-tokens=0|PT1S",
            "x-ratelimit-reset-requests=6m0s;x-ratelimit-reset-tokens=1s|PT6M",
            "x-ratelimit-reset-requests=20ms|PT0.02S",
            "x-ratelimit-reset-tokens=1h2m3.5s|PT1H2M3.5S",
    })
    void retryHintsForRateLimits(String headerList, Duration expected) {
        String[] kv = java.util.Arrays.stream(headerList.split(";"))
                .flatMap(h -> java.util.stream.Stream.of(h.split("=", 2))).toArray(String[]::new);
        ProviderError e = classifier.classify(429, headers(kv), body("requests", "rate_limit_exceeded", "r"), null);
        assertThat(e.retryAfter()).isEqualTo(expected);
    }

    @Test
    void noHintMeansNullRetryAfter() {
        assertThat(classifier.classify(500, headers(), body("server_error", null, "x"), null).retryAfter()).isNull();
        assertThat(classifier.classify(503, headers("retry-after", "garbage"), new byte[0], null).retryAfter())
                .isNull();
    }

    @Test
    void snippetAndMessageHaveSecretsRemoved() {
        String key = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        String msg = "Incorrect API key provided: " + key + ". Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc";
        ProviderError e = classifier.classify(401, headers("x-request-id", "req_1"),
                body("invalid_request_error", "invalid_api_key", msg), key);
        assertThat(e.snippet()).doesNotContain(key).doesNotContain("eyJhbGciOiJIUzI1NiJ9").contains("***");
        assertThat(e.message()).doesNotContain(key);
        assertThat(e.requestId()).isEqualTo("req_1");
        assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
    }

    @Test
    void snippetIsShort() {
        String longMsg = "x".repeat(5000);
        ProviderError e = classifier.classify(500, headers(), body("server_error", null, longMsg), null);
        assertThat(e.snippet()).hasSizeLessThanOrEqualTo(dev.llmq.provider.spi.Redaction.MAX_SNIPPET + 1);
    }

    @Test
    void nonJsonAndOtherShapesStillClassifyByStatus() {
        assertThat(classifier.classify(502, headers(), "<html>Bad Gateway</html>".getBytes(StandardCharsets.UTF_8),
                null).kind()).isEqualTo(ErrorKind.SERVER_ERROR);
        ProviderError vllm = classifier.classify(400, headers(),
                "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"
                        .getBytes(StandardCharsets.UTF_8), null);
        assertThat(vllm.kind()).isEqualTo(ErrorKind.CONTEXT_WINDOW_EXCEEDED);
        ProviderError fastapi = classifier.classify(404, headers(),
                "{\"detail\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8), null);
        assertThat(fastapi.kind()).isEqualTo(ErrorKind.NOT_FOUND);
        assertThat(fastapi.message()).isEqualTo("Not Found");
    }

    @Test
    void googlesListOfOneErrorIsRead() {
        ProviderError e = classifier.classify(400, headers(), ("[{\"error\":{\"code\":400,\"message\":\"The input "
                + "token count (582632) exceeds the maximum number of tokens allowed (131072).\",\"status\":"
                + "\"INVALID_ARGUMENT\"}}]").getBytes(StandardCharsets.UTF_8), null);
        assertThat(e.kind()).isEqualTo(ErrorKind.CONTEXT_WINDOW_EXCEEDED);
        assertThat(e.message()).startsWith("The input token count (582632)");
    }

    @Test
    void midStreamErrorEventsClassifyByTypeAndCode() {
        var mapper = dev.llmq.schemas.Json.mapper();
        Map<String, ErrorKind> cases = Map.of(
                "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}", ErrorKind.SERVER_ERROR,
                "{\"error\":{\"message\":\"slow\",\"type\":\"rate_limit_error\"}}", ErrorKind.RATE_LIMITED,
                "{\"error\":{\"message\":\"x\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}",
                ErrorKind.CONTEXT_WINDOW_EXCEEDED,
                "{\"error\":{\"message\":\"x\",\"code\":\"content_filter\"}}", ErrorKind.CONTENT_POLICY,
                "{\"error\":{\"message\":\"strange\",\"type\":\"weird\"}}", ErrorKind.SERVER_ERROR,
                "{\"error\":{\"message\":\"o\",\"status\":503}}", ErrorKind.OVERLOADED,
                "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation have "
                        + "exceeded call rate limit. Please retry after 1 second.\"}}", ErrorKind.RATE_LIMITED,
                "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-min\"}}", ErrorKind.RATE_LIMITED,
                "{\"error\":{\"message\":\"Output over the moderate limits\"}}", ErrorKind.SERVER_ERROR);
        Map<String, ErrorKind> got = cases.keySet().stream().collect(Collectors.toMap(k -> k, k -> {
            try {
                return classifier.classifyEvent(mapper.readTree(k), null).kind();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        assertThat(got).isEqualTo(cases);
    }
}
