package dev.llmq.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.provider.testing.FakePeer.Stall;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The OpenAI adapter over real HTTP against a scripted local peer. */
class OpenAiHttpTest {

    static final String COMPLETION = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null},"logprobs":null,
             "finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,
             "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}},
             "system_fingerprint":"fp_1","x_unknown":{"kept":true}}""";

    static final String STREAM = """
            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hé"},"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":" 😀"},"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}

            data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":9,"total_tokens":29}}

            data: [DONE]

            """;

    FakePeer peer;
    ProviderClient client;

    @BeforeEach
    void start() throws IOException {
        peer = new FakePeer();
        client = Providers.client(Providers.defaultHttpClient(), new SteppingClock());
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    ProviderTarget openai(Duration timeout, Duration idle) {
        return ProviderTarget.builder("openai", "gpt-4o-mini").apiBase(URI.create(peer.base() + "/v1"))
                .apiKey("sk-test-1234567890").timeout(timeout).streamIdleTimeout(idle)
                .extraHeaders(Map.of("X-Extra", "1")).build();
    }

    static ObjectNode request(String json) {
        try {
            return (ObjectNode) Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ObjectNode hello() {
        return request("{\"model\":\"group-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}");
    }

    @Test
    void completeReturnsTheProviderCompletionAndUsage() throws IOException {
        peer.enqueue(Reply.json(200, COMPLETION, Map.of("Content-Type", "application/json", "x-request-id", "req-9")));
        ProviderResponse r = client.complete(openai(null, null), hello());

        assertThat(r.completion().get("model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(r.completion().at("/choices/0/message/content").asText()).isEqualTo("Hello!");
        assertThat(r.completion().get("x_unknown")).as("unknown fields kept").isEqualTo(request("{\"kept\":true}"));
        assertThat(r.usage()).isEqualTo(new TokenUsage(12, 3, 15, 4, 1));
        assertThat(r.requestId()).isEqualTo("req-9");
        assertThat(r.timeToFirstToken()).isNull();
        assertThat(r.latency()).isEqualTo(Duration.ofSeconds(1));

        FakePeer.Received got = peer.received().get(0);
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.uri().getPath()).isEqualTo("/v1/chat/completions");
        assertThat(got.header("Authorization")).isEqualTo("Bearer sk-test-1234567890");
        assertThat(got.header("X-Extra")).isEqualTo("1");
        JsonNode sent = Json.mapper().readTree(got.body());
        assertThat(sent.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(sent.get("stream")).isNull();
    }

    @ParameterizedTest(name = "pieces of {0} bytes")
    @ValueSource(ints = {1, 7, 64, 100_000})
    void streamForwardsChunksInOrderAndAssemblesTheCompletion(int pieceSize) throws IOException {
        peer.enqueue(Reply.sse(STREAM, pieceSize));
        List<ObjectNode> chunks = new ArrayList<>();
        ProviderResponse r = client.stream(openai(null, null), hello(), chunks::add);

        assertThat(chunks).hasSize(7);
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("usage")).as("usage:null removed").isNull());
        assertThat(chunks).extracting(c -> c.at("/choices/0/delta/content").asText(null))
                .containsExactly("", "Hé", " 😀", null, null, null, null);
        JsonNode message = r.completion().at("/choices/0/message");
        assertThat(message.get("content").asText()).isEqualTo("Hé 😀");
        assertThat(message.at("/tool_calls/0/id").asText()).isEqualTo("call_a");
        assertThat(message.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(message.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(r.completion().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(r.completion().get("object").asText()).isEqualTo("chat.completion");
        assertThat(r.usage()).isEqualTo(new TokenUsage(20, 9, 29, 0, 0));
        // stepping clock: start=0s, first content delta=1s, end=2s
        assertThat(r.timeToFirstToken()).isEqualTo(Duration.ofSeconds(1));
        assertThat(r.latency()).isEqualTo(Duration.ofSeconds(2));

        JsonNode sent = Json.mapper().readTree(peer.received().get(0).body());
        assertThat(sent.get("stream")).isEqualTo(BooleanNode.TRUE);
        assertThat(sent.at("/stream_options/include_usage")).isEqualTo(BooleanNode.TRUE);
        assertThat(r.adjustments()).isEmpty();
        assertThat(peer.received().get(0).header("Accept")).isEqualTo("text/event-stream");
    }

    @Test
    void usageChunkIsForwardedWhenTheCallerAskedForIt() {
        peer.enqueue(Reply.sse(STREAM, 50));
        ObjectNode req = hello();
        req.putObject("stream_options").put("include_usage", true);
        List<ObjectNode> chunks = new ArrayList<>();
        client.stream(openai(null, null), req, chunks::add);
        assertThat(chunks).hasSize(8);
        assertThat(chunks.get(7).at("/usage/total_tokens").asInt()).isEqualTo(29);
        assertThat(chunks.get(0).get("usage")).as("usage:null kept for a caller who asked").isEqualTo(NullNode.instance);
    }

    @Test
    void streamWithoutDoneIsTruncatedAndKeepsWhatArrived() {
        String cut = STREAM.substring(0, STREAM.indexOf("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"tool"));
        peer.enqueue(Reply.sse(cut, 13));
        List<ObjectNode> chunks = new ArrayList<>();
        assertThatThrownBy(() -> client.stream(openai(null, null), hello(), chunks::add))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.STREAM_TRUNCATED);
                    assertThat(e.error().retryable()).isTrue();
                    assertThat(e.partialCompletion()).get()
                            .satisfies(p -> assertThat(p.at("/choices/0/message/content").asText()).isEqualTo("Hé 😀"));
                });
        assertThat(chunks).hasSize(3);
    }

    @Test
    void streamCutMidEventSaysSo() {
        peer.enqueue(Reply.sse(STREAM.substring(0, 250), 40));
        assertThatThrownBy(() -> client.stream(openai(null, null), hello(), c -> { }))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.STREAM_TRUNCATED))
                .hasMessageContaining("cut mid-event");
    }

    @Test
    void midStreamErrorEventIsAnErrorWithThePartialKept() {
        String body = STREAM.substring(0, STREAM.indexOf("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"tool"))
                + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\"}}\n\n";
        peer.enqueue(Reply.sse(body, 31));
        assertThatThrownBy(() -> client.stream(openai(null, null), hello(), c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                    assertThat(e.error().message()).contains("server had an error");
                    assertThat(e.partialCompletion()).isPresent();
                });
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void errorStatusIsClassifiedWithHints(boolean stream) {
        peer.enqueue(Reply.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
                Map.of("retry-after", "7", "x-request-id", "req-429", "Content-Type", "application/json")));
        assertThatThrownBy(() -> {
            if (stream) {
                client.stream(openai(null, null), hello(), c -> { });
            } else {
                client.complete(openai(null, null), hello());
            }
        }).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.RATE_LIMITED);
            assertThat(e.error().httpStatus()).isEqualTo(429);
            assertThat(e.error().retryAfter()).isEqualTo(Duration.ofSeconds(7));
            assertThat(e.error().requestId()).isEqualTo("req-429");
            assertThat(e.error().providerCode()).isEqualTo("rate_limit_exceeded");
        });
    }

    @Test
    void streamIdleTimeoutCancelsTheCall() throws InterruptedException {
        String first = STREAM.substring(0, STREAM.indexOf("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" "));
        peer.enqueue(Reply.sse(first, 1000).stalling(Stall.AFTER_BODY));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.stream(openai(Duration.ofSeconds(30), Duration.ofMillis(300)), hello(),
                c -> { }))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.TIMEOUT);
                    assertThat(e.error().message()).contains("no stream data");
                    assertThat(e.partialCompletion().orElseThrow().at("/choices/0/message/content").asText())
                            .isEqualTo("Hé");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(peer.clientHungUp().await(10, TimeUnit.SECONDS)).as("connection closed by the client").isTrue();
    }

    @Test
    @Timeout(20)
    void eventsWithinTheIdleTimeoutKeepALongerStreamGoing() {
        // nine events 150 ms apart: the stream lasts more than two idle timeouts of 500 ms and never pauses for one
        // (350 ms to spare between two events: a busy machine's scheduling does not fail it)
        peer.enqueue(Reply.sseEvents(STREAM).paced(Duration.ofMillis(150)));
        long t0 = System.nanoTime();
        List<ObjectNode> chunks = new ArrayList<>();
        ProviderResponse r = client.stream(openai(Duration.ofSeconds(30), Duration.ofMillis(500)), hello(),
                chunks::add);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofMillis(1000));
        assertThat(chunks).hasSize(7);
        assertThat(r.completion().at("/choices/0/message/content").asText()).isEqualTo("Hé 😀");
        assertThat(r.completion().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    // the waits on the head and the body have no timeout of their own (the exchange's timeout ends them): were that
    // timeout not set, these calls would wait for ever, and @Timeout ends them
    @Test
    @Timeout(20)
    void wholeCallTimeoutWhenNoResponseArrives() {
        peer.enqueue(Reply.json(200, COMPLETION, Map.of()).stalling(Stall.BEFORE_HEAD));
        completeTimesOut(Duration.ofMillis(300), "no response within 0.3 s");
    }

    @Test
    @Timeout(20)
    void wholeCallTimeoutWhenTheBodyNeverEnds() throws InterruptedException {
        // the head and part of the body arrive, then the peer keeps the body open (a byte every 20 ms, never the end)
        peer.enqueue(Reply.json(200, COMPLETION, Map.of()).stalling(Stall.AFTER_BODY));
        completeTimesOut(Duration.ofMillis(400), "no complete response within 0.4 s");
        assertThat(peer.clientHungUp().await(10, TimeUnit.SECONDS)).as("connection closed by the client").isTrue();
    }

    /** A non-streaming call with {@code timeout} fails with TIMEOUT and {@code message}, no sooner than the timeout. */
    private void completeTimesOut(Duration timeout, String message) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.complete(openai(timeout, null), hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.TIMEOUT);
                    assertThat(e.error().message()).isEqualTo(message);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(timeout)
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    @Timeout(20)
    void wholeCallTimeoutAlsoBoundsAStream() {
        peer.enqueue(Reply.sse(STREAM.substring(0, 200), 1000).stalling(Stall.AFTER_BODY));
        assertThatThrownBy(() -> client.stream(openai(Duration.ofMillis(400), Duration.ofSeconds(30)), hello(),
                c -> { }))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.TIMEOUT))
                .hasMessageContaining("call timeout");
    }

    @Test
    void connectionRefusedIsAConnectionError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProviderTarget target = ProviderTarget.builder("openai", "gpt-4o")
                .apiBase(URI.create("http://127.0.0.1:" + port + "/v1")).apiKey("k").timeout(Duration.ofSeconds(5))
                .build();
        assertThatThrownBy(() -> client.complete(target, hello()))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.CONNECTION_ERROR);
                    assertThat(e.error().retryable()).isTrue();
                    assertThat(e.error().httpStatus()).isZero();
                });
    }

    @Test
    void unsupportedParameterFailsWithoutACallUnlessDropped() {
        ObjectNode req = hello();
        req.put("logprobs", true);
        ProviderTarget groq = ProviderTarget.builder("groq", "llama-3.3-70b")
                .apiBase(URI.create(peer.base() + "/openai/v1")).apiKey("k").build();
        assertThatThrownBy(() -> client.complete(groq, req))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("logprobs");
                })
                .hasMessageContaining("logprobs");
        assertThat(peer.received()).isEmpty();

        peer.enqueue(Reply.json(200, COMPLETION, Map.of()));
        ProviderTarget dropping = ProviderTarget.from(groq).dropParams(true).build();
        ProviderResponse r = client.complete(dropping, req);
        assertThat(r.adjustments()).containsExactly("dropped:logprobs");
        assertThat(peer.received().get(0).bodyText()).doesNotContain("logprobs");
    }

    @Test
    void azureDeploymentCallUsesItsPathVersionAndKeyHeader() {
        peer.enqueue(Reply.json(200, COMPLETION, Map.of("apim-request-id", "az-1")));
        ProviderTarget azure = ProviderTarget.builder("azure", "my-dep").apiBase(peer.base()).apiKey("azure-key-123")
                .apiVersion("2024-10-21").build();
        ProviderResponse r = client.complete(azure, hello());
        FakePeer.Received got = peer.received().get(0);
        assertThat(got.uri().getPath()).isEqualTo("/openai/deployments/my-dep/chat/completions");
        assertThat(got.uri().getQuery()).isEqualTo("api-version=2024-10-21");
        assertThat(got.header("api-key")).isEqualTo("azure-key-123");
        assertThat(got.header("Authorization")).isNull();
        assertThat(r.requestId()).isEqualTo("az-1");
    }

    @Test
    void unknownProviderIsAClearError() {
        ProviderTarget t = ProviderTarget.builder("nope", "m").apiBase(peer.base()).build();
        assertThatThrownBy(() -> client.complete(t, hello())).hasMessageContaining("'nope'");
    }

    /** Each reading is one second after the previous one. */
    static final class SteppingClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public synchronized Instant instant() {
            Instant t = now;
            now = now.plusSeconds(1);
            return t;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
