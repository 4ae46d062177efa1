package dev.llmq.provider.anthropic;

import static dev.llmq.provider.testing.Fixtures.CLOCK;
import static dev.llmq.provider.testing.Fixtures.headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicErrorClassifierTest {

    private final AnthropicErrorClassifier classifier = new AnthropicErrorClassifier(CLOCK);

    private static byte[] body(String type, String message) {
        return ("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1} \"{2}\" -> {3}")
    @CsvSource(delimiter = '|', value = {
            "400 | invalid_request_error | max_tokens: Field required                        | INVALID_REQUEST",
            "400 | invalid_request_error | prompt is too long: 210000 tokens > 200000 maximum | CONTEXT_WINDOW_EXCEEDED",
            "400 | invalid_request_error | input length and `max_tokens` exceed context limit | CONTEXT_WINDOW_EXCEEDED",
            "400 | invalid_request_error | Your credit balance is too low to access the API   | QUOTA_EXHAUSTED",
            "400 | invalid_request_error | You have reached your specified API usage limits. You will regain access "
                    + "on 2026-04-01 at 00:00 UTC. | QUOTA_EXHAUSTED",
            "400 | invalid_request_error | Output blocked by content filtering policy         | CONTENT_POLICY",
            "401 | authentication_error  | invalid x-api-key                                  | AUTHENTICATION",
            "402 | billing_error         | billing problem                                    | QUOTA_EXHAUSTED",
            "403 | permission_error      | no access to this model                            | PERMISSION_DENIED",
            "404 | not_found_error       | model: claude-nope                                 | NOT_FOUND",
            "413 | request_too_large     | Request exceeds the maximum allowed size           | INVALID_REQUEST",
            "429 | rate_limit_error      | Number of requests exceeded                        | RATE_LIMITED",
            "500 | api_error             | Internal server error                              | SERVER_ERROR",
            "504 | timeout_error         | Request timed out                                  | TIMEOUT",
            "529 | overloaded_error      | Overloaded                                         | OVERLOADED",
            "503 | unknown_new_error     | something                                          | OVERLOADED",
            "502 | unknown_new_error     | something                                          | SERVER_ERROR",
            "418 | unknown_new_error     | something                                          | INVALID_REQUEST"})
    void classifiesByTypeMessageAndStatus(int status, String type, String message, ErrorKind kind) {
        ProviderError e = classifier.classify(status, headers(Map.of("request-id", "req_1")), body(type, message),
                null);
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.httpStatus()).isEqualTo(status);
        assertThat(e.providerType()).isEqualTo(type);
        assertThat(e.requestId()).isEqualTo("req_1");
        assertThat(e.message()).isEqualTo(message);
    }

    @Test
    void unparseableBodyFallsBackToTheStatus() {
        ProviderError e = classifier.classify(529, headers(Map.of()), "<html>busy</html>".getBytes(), null);
        assertThat(e.kind()).isEqualTo(ErrorKind.OVERLOADED);
        assertThat(e.snippet()).contains("busy");
    }

    @Test
    void retryAfterWinsOverResetHeaders() {
        ProviderError e = classifier.classify(429, headers(Map.of("retry-after", "3",
                "anthropic-ratelimit-requests-remaining", "0",
                "anthropic-ratelimit-requests-reset", "2026-01-01T00:01:00Z")), body("rate_limit_error", "x"), null);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void exhaustedBudgetsResetIsTheHintElseTheLatest() {
        ProviderError exhausted = classifier.classify(429, headers(Map.of(
                "anthropic-ratelimit-output-tokens-remaining", "0",
                "anthropic-ratelimit-output-tokens-reset", "2026-01-01T00:00:05Z",
                "anthropic-ratelimit-requests-remaining", "10",
                "anthropic-ratelimit-requests-reset", "2026-01-01T00:00:50Z")), body("rate_limit_error", "x"), null);
        assertThat(exhausted.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        ProviderError none = classifier.classify(429, headers(Map.of(
                "anthropic-ratelimit-input-tokens-reset", "2026-01-01T00:00:20Z",
                "anthropic-ratelimit-requests-reset", "2026-01-01T00:00:08Z")), body("rate_limit_error", "x"), null);
        assertThat(none.retryAfter()).isEqualTo(Duration.ofSeconds(20));
        ProviderError past = classifier.classify(429, headers(Map.of(
                "anthropic-ratelimit-requests-reset", "2025-12-31T23:59:00Z")), body("rate_limit_error", "x"), null);
        assertThat(past.retryAfter()).isEqualTo(Duration.ZERO);
    }

    @Test
    void resetHeadersAreNoHintForOtherErrors() {
        ProviderError e = classifier.classify(529, headers(Map.of(
                "anthropic-ratelimit-requests-reset", "2026-01-01T00:00:50Z")), body("overloaded_error", "x"), null);
        assertThat(e.retryAfter()).isNull();
    }

    @Test
    void secretsAreScrubbedFromMessageAndSnippet() {
        String key = "sk-ant-api03-abcdefghijklmnop";
        ProviderError e = classifier.classify(401, headers(Map.of()),
                body("authentication_error", "invalid x-api-key " + key), key);
        assertThat(e.message()).doesNotContain(key);
        assertThat(e.snippet()).doesNotContain(key);
    }

    @Test
    void requestIdFromTheBodyWhenNoHeader() {
        byte[] b = ("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"},"
                + "\"request_id\":\"req_body\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(classifier.classify(500, headers(Map.of()), b, null).requestId()).isEqualTo("req_body");
    }
}
