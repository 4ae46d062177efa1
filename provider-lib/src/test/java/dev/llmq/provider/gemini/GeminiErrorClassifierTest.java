package dev.llmq.provider.gemini;

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

class GeminiErrorClassifierTest {

    private final GeminiErrorClassifier classifier = new GeminiErrorClassifier(CLOCK);

    private static byte[] body(int code, String status, String message, String details) {
        return ("{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\""
                + (details == null ? "" : ",\"details\":" + details) + "}}").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1} \"{2}\" -> {3}")
    @CsvSource(delimiter = '|', value = {
            "400 | INVALID_ARGUMENT    | Invalid JSON payload received.                                   | INVALID_REQUEST",
            "400 | INVALID_ARGUMENT    | The input token count (2000000) exceeds the maximum number of tokens allowed (1048576). | CONTEXT_WINDOW_EXCEEDED",
            "400 | INVALID_ARGUMENT    | API key not valid. Please pass a valid API key.                  | AUTHENTICATION",
            "400 | FAILED_PRECONDITION | User location is not supported for the API use. | PERMISSION_DENIED",
            "400 | FAILED_PRECONDITION | Gemini API free tier is not available in your country. | PERMISSION_DENIED",
            "402 | RESOURCE_EXHAUSTED | Your prepayment credits are depleted. | QUOTA_EXHAUSTED",
            "429 | RESOURCE_EXHAUSTED | Your prepayment credits are depleted. | QUOTA_EXHAUSTED",
            "401 | UNAUTHENTICATED     | Request had invalid authentication credentials.                  | AUTHENTICATION",
            "403 | PERMISSION_DENIED   | Permission denied on resource.                                   | PERMISSION_DENIED",
            "404 | NOT_FOUND           | models/gemini-nope is not found for API version v1beta           | NOT_FOUND",
            "429 | RESOURCE_EXHAUSTED  | Resource has been exhausted (e.g. check quota).                  | RATE_LIMITED",
            "500 | INTERNAL            | An internal error has occurred.                                  | SERVER_ERROR",
            "503 | UNAVAILABLE         | The model is overloaded. Please try again later.                 | OVERLOADED",
            "504 | DEADLINE_EXCEEDED   | Deadline expired before operation could complete.                | TIMEOUT",
            "502 | SOMETHING_NEW       | Bad gateway                                                      | SERVER_ERROR",
            "429 | SOMETHING_NEW       | slow down                                                        | RATE_LIMITED"})
    void classifiesByStatusReasonAndMessage(int code, String status, String message, ErrorKind kind) {
        ProviderError e = classifier.classify(code, headers(Map.of()), body(code, status, message, null), null);
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.httpStatus()).isEqualTo(code);
        assertThat(e.providerType()).isEqualTo(status);
        assertThat(e.message()).isEqualTo(message);
    }

    @Test
    void apiKeyInvalidReasonIsAuthentication() {
        ProviderError e = classifier.classify(400, headers(Map.of()), body(400, "INVALID_ARGUMENT", "bad",
                "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\"}]"), null);
        assertThat(e.kind()).isEqualTo(ErrorKind.AUTHENTICATION);
        assertThat(e.providerCode()).isEqualTo("API_KEY_INVALID");
    }

    @Test
    void perDayQuotaIsExhaustedPerMinuteIsRateLimited() {
        String perDay = "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
                + "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]";
        String perMinute = perDay.replace("PerDay", "PerMinute");
        assertThat(classifier.classify(429, headers(Map.of()), body(429, "RESOURCE_EXHAUSTED", "q", perDay), null)
                .kind()).isEqualTo(ErrorKind.QUOTA_EXHAUSTED);
        assertThat(classifier.classify(429, headers(Map.of()), body(429, "RESOURCE_EXHAUSTED", "q", perMinute), null)
                .kind()).isEqualTo(ErrorKind.RATE_LIMITED);
    }

    @Test
    void retryAfterHeaderWinsOverRetryInfo() {
        String info = "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"37s\"}]";
        byte[] b = body(429, "RESOURCE_EXHAUSTED", "q", info);
        assertThat(classifier.classify(429, headers(Map.of("retry-after", "2")), b, null).retryAfter())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(classifier.classify(429, headers(Map.of()), b, null).retryAfter())
                .isEqualTo(Duration.ofSeconds(37));
    }

    @ParameterizedTest
    @CsvSource({"37s,37000", "0.5s,500", "1.0001s,1001", "s,-1", "12,-1", "-3s,-1", "abc s,-1"})
    void readsProtobufDurations(String raw, long millis) {
        assertThat(GeminiErrorClassifier.protoDuration(raw).map(Duration::toMillis).orElse(-1L)).isEqualTo(millis);
    }

    @Test
    void arrayWrappedBodyAndUnparseableBody() {
        byte[] wrapped = ("[" + new String(body(503, "UNAVAILABLE", "busy", null), StandardCharsets.UTF_8) + "]")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(classifier.classify(503, headers(Map.of()), wrapped, null).kind()).isEqualTo(ErrorKind.OVERLOADED);
        ProviderError html = classifier.classify(504, headers(Map.of()), "<html>gateway</html>".getBytes(), null);
        assertThat(html.kind()).isEqualTo(ErrorKind.TIMEOUT);
        assertThat(html.snippet()).contains("gateway");
    }

    @Test
    void keyIsScrubbed() {
        String key = "AIzaSyABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        ProviderError e = classifier.classify(400, headers(Map.of()),
                body(400, "INVALID_ARGUMENT", "API key not valid: " + key, null), key);
        assertThat(e.message()).doesNotContain(key);
        assertThat(e.snippet()).doesNotContain(key);
    }
}
