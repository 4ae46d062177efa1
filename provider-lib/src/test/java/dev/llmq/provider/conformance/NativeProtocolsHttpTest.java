package dev.llmq.provider.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Anthropic and Gemini over real HTTP against a scripted local peer: the paths the fixtures do not walk. */
class NativeProtocolsHttpTest {

    private FakePeer peer;
    private ProviderClient client;

    @BeforeEach
    void start() throws IOException {
        peer = new FakePeer();
        client = Providers.client(Providers.defaultHttpClient(), ProviderConformanceTest.CLOCK);
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    private ProviderTarget target(String provider, String model, String key) {
        return ProviderTarget.builder(provider, model).apiBase(peer.base()).apiKey(key).timeout(Duration.ofSeconds(20))
                .streamIdleTimeout(Duration.ofSeconds(10)).extraHeaders(Map.of("x-extra", "1")).build();
    }

    private static ObjectNode body(String json) throws IOException {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    @Test
    void anthropicStreamRejectedWith529IsOverloadedWithItsRequestId() throws IOException {
        peer.enqueue(Reply.json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}", Map.of("request-id", "req_9", "Content-Type", "application/json")));
        ObjectNode req = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":9}");
        assertThatThrownBy(() -> client.stream(target("anthropic", "claude-sonnet-4-5", "sk-ant-k1"), req, c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.OVERLOADED);
                    assertThat(e.error().httpStatus()).isEqualTo(529);
                    assertThat(e.error().requestId()).isEqualTo("req_9");
                    assertThat(e.error().cooldown()).isTrue();
                });
        FakePeer.Received got = peer.received().get(0);
        assertThat(got.header("x-extra")).isEqualTo("1");
        assertThat(got.header("x-api-key")).isEqualTo("sk-ant-k1");
        JsonNode sent = Json.mapper().readTree(got.body());
        assertThat(sent.get("stream")).isEqualTo(BooleanNode.TRUE);
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(9);
    }

    @Test
    void anthropicStreamCutMidEventIsTruncatedWithTheTextKept() throws IOException {
        String sse = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"model\":"
                + "\"c\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"Par\"}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_de";
        peer.enqueue(Reply.sse(sse, 7));
        ObjectNode req = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":9}");
        List<ObjectNode> chunks = new ArrayList<>();
        assertThatThrownBy(() -> client.stream(target("anthropic", "claude-sonnet-4-5", "k"), req, chunks::add))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.STREAM_TRUNCATED);
                    assertThat(e.error().message()).contains("cut mid-event");
                    assertThat(e.partialCompletion().orElseThrow().at("/choices/0/message/content").asText())
                            .isEqualTo("Par");
                });
        assertThat(chunks).hasSize(2);
    }

    @Test
    void geminiStreamRejectedWithAnArrayWrapped429IsRateLimitedWithTheRetryDelay() throws IOException {
        peer.enqueue(Reply.json(429, "[{\"error\":{\"code\":429,\"message\":\"Resource exhausted\",\"status\":"
                + "\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\","
                + "\"retryDelay\":\"3s\"}]}}]", Map.of("Content-Type", "application/json")));
        ObjectNode req = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThatThrownBy(() -> client.stream(target("gemini", "gemini-2.5-flash", "AIzaKey1"), req, c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.RATE_LIMITED);
                    assertThat(e.error().retryAfter()).isEqualTo(Duration.ofSeconds(3));
                });
        FakePeer.Received got = peer.received().get(0);
        assertThat(got.uri().getPath()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
        assertThat(got.uri().getQuery()).isEqualTo("alt=sse");
        assertThat(got.header("x-goog-api-key")).isEqualTo("AIzaKey1");
    }

    @Test
    void geminiAnsweringAStreamWithABlockedPromptJsonIsContentPolicy() throws IOException {
        peer.enqueue(Reply.json(200, "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}",
                Map.of("Content-Type", "application/json; charset=UTF-8")));
        ObjectNode req = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThatThrownBy(() -> client.stream(target("gemini", "gemini-2.5-flash", "k"), req, c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.CONTENT_POLICY);
                    assertThat(e.error().providerCode()).isEqualTo("PROHIBITED_CONTENT");
                    assertThat(e.error().retryable()).isFalse();
                });
    }

    /**
     * Google's contract: no candidates only for a blocked prompt. An answer with neither (Gemini 2.5 has sent usage
     * alone) has no choices[0] for an OpenAI client: a retryable server error, not a completion with choices [].
     */
    @Test
    void geminiAnswerWithoutCandidatesOrBlockReasonIsARetryableServerError() throws IOException {
        String usageOnly = "{\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":9},"
                + "\"modelVersion\":\"gemini-2.5-pro\",\"responseId\":\"r\"}";
        peer.enqueue(Reply.json(200, usageOnly, Map.of("Content-Type", "application/json")));
        ObjectNode req = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThatThrownBy(() -> client.complete(target("gemini", "gemini-2.5-pro", "k"), req))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                    assertThat(e.error().retryable()).isTrue();
                    assertThat(e.error().message()).contains("without any candidate");
                });
        // streamed, the same answer never finishes a candidate: the stream ended before its end, also retried
        peer.enqueue(Reply.sseEvents("data: " + usageOnly + "\r\n\r\n"));
        assertThatThrownBy(() -> client.stream(target("gemini", "gemini-2.5-pro", "k"), req, c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.STREAM_TRUNCATED);
                    assertThat(e.error().retryable()).isTrue();
                });
    }

    @Test
    void geminiStreamInOneByteReadsGivesTheSameCompletion() throws IOException {
        String sse = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hé \"}],\"role\":\"model\"},"
                + "\"index\":0}],\"responseId\":\"r1\",\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n"
                + "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"😀\"}],\"role\":\"model\"},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":2,"
                + "\"candidatesTokenCount\":2,\"totalTokenCount\":4},\"responseId\":\"r1\","
                + "\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n";
        peer.enqueue(new Reply(200, Map.of("Content-Type", "text/event-stream"),
                FakePeer.split(sse.getBytes(StandardCharsets.UTF_8), 1), FakePeer.Stall.NONE));
        ObjectNode req = body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        ProviderResponse r = client.stream(target("gemini", "gemini-2.5-flash", "k"), req, c -> { });
        assertThat(r.completion().at("/choices/0/message/content").asText()).isEqualTo("Hé 😀");
        assertThat(r.completion().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(r.usage().totalTokens()).isEqualTo(4);
        assertThat(r.timeToFirstToken()).isNotNull();
    }
}
