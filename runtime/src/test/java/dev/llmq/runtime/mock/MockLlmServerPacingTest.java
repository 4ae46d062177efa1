package dev.llmq.runtime.mock;

import static dev.llmq.runtime.mock.MockLlmClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Latency, time to first token and tokens per second apply to every protocol alike. */
class MockLlmServerPacingTest {

    static MockLlmServer server;
    static MockLlmClient client;

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder()
                .behavior("slow", MockBehavior.defaults().withLatency(Duration.ofMillis(250)).withCompletionTokens(4))
                .behavior("paced", MockBehavior.defaults().withCompletionTokens(8)
                        .withTimeToFirstToken(Duration.ofMillis(150)).withTokensPerSecond(50))
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> anthropic(String model, boolean stream) {
        return client.post("/v1/messages", MockLlmServerAnthropicTest.body(model, stream, null),
                "anthropic-version", "2023-06-01");
    }

    static HttpResponse<String> gemini(String model, boolean stream) {
        return client.post("/v1beta/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent"),
                MockLlmServerGeminiTest.body(null));
    }

    static HttpResponse<String> azure(String model, boolean stream) {
        return client.post("/openai/deployments/" + model + "/chat/completions?api-version=2024-10-21",
                MockLlmClient.chatBody(model, stream, null));
    }

    static long millis(Supplier<HttpResponse<String>> call) {
        long t0 = System.nanoTime();
        assertThat(call.get().statusCode()).isEqualTo(200);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void latencyDelaysNonStreamAnswersOfEveryProtocol() {
        for (Supplier<HttpResponse<String>> call : List.<Supplier<HttpResponse<String>>>of(
                () -> anthropic("slow", false), () -> gemini("slow", false), () -> azure("slow", false))) {
            assertThat(millis(call)).isGreaterThanOrEqualTo(250);
        }
    }

    @Test
    void timeToFirstTokenAndTokensPerSecondShapeEveryStream() {
        server.clearRequests();
        for (Supplier<HttpResponse<String>> call : List.<Supplier<HttpResponse<String>>>of(
                () -> anthropic("paced", true), () -> gemini("paced", true), () -> azure("paced", true))) {
            assertThat(millis(call)).isGreaterThanOrEqualTo(150 + 7 * 20);
        }
        HttpResponse<String> fast = anthropic("fast", false);
        assertThat(json(fast.body()).at("/usage/output_tokens").asInt()).isEqualTo(MockBehavior.DEFAULT_COMPLETION_TOKENS);
        assertThat(server.requests()).extracting(RecordedRequest::protocol)
                .containsExactly("anthropic", "gemini", "azure", "anthropic");
    }

    @Test
    void theFirstTokenListenerHearsEachOpenAiStreamOnceWhenItsFirstPieceIsWritten() {
        Map<String, Long> heard = new ConcurrentHashMap<>();
        try (MockLlmServer own = MockLlmServer.builder()
                .behavior("paced", MockBehavior.defaults().withCompletionTokens(5)
                        .withTimeToFirstToken(Duration.ofMillis(100)).withTokensPerSecond(20))
                .onFirstToken((id, at) -> heard.merge(id, at, (a, b) -> -1L)).build().start()) {
            MockLlmClient ownClient = new MockLlmClient(own);
            long sent = System.nanoTime();
            HttpResponse<String> stream = ownClient.post("/v1/chat/completions",
                    MockLlmClient.chatBody("paced", true, null));
            long done = System.nanoTime();
            ownClient.post("/v1/chat/completions", MockLlmClient.chatBody("paced", false, null));
            String id = json(MockLlmClient.sseData(stream.body()).getFirst()).get("id").asText();
            assertThat(heard).containsOnlyKeys(id);
            // after the time to first token, and well before the last of the 5 pieces (4 gaps of 50 ms)
            assertThat(heard.get(id)).isBetween(sent + 100_000_000L, done - 150_000_000L);
        }
    }
}
