package dev.llmq.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.Abort;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.provider.testing.FakePeer.Stall;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cancellation, misbehaving peers and callers, over real HTTP. */
class EngineBehaviourTest {

    static final String FIRST = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"},\"finish_reason\":null}]}\n\n";

    FakePeer peer;
    ProviderClient client;

    @BeforeEach
    void start() throws IOException {
        peer = new FakePeer();
        client = Providers.client(Providers.defaultHttpClient(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    ProviderTarget target(String model, boolean dropParams) {
        return ProviderTarget.builder("openai", model).apiBase(URI.create(peer.base() + "/v1"))
                .apiKey("sk-test-abcdefgh").timeout(Duration.ofSeconds(30)).streamIdleTimeout(Duration.ofSeconds(30))
                .dropParams(dropParams).build();
    }

    static ObjectNode request(String json) throws IOException {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    @Test
    void interruptingTheCallerCancelsTheStream() throws Exception {
        peer.enqueue(Reply.sse(FIRST, 1000).stalling(Stall.AFTER_BODY));
        CountDownLatch firstChunk = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.stream(target("gpt-4o", false), request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                        c -> firstChunk.countDown());
            } catch (Throwable t) {
                thrown.set(t);
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        });
        assertThat(firstChunk.await(10, TimeUnit.SECONDS)).as("first chunk within 10 s").isTrue();
        caller.interrupt();
        assertThat(caller.join(Duration.ofSeconds(10))).as("caller ended within 10 s").isTrue();
        assertThat(thrown.get()).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.TIMEOUT);
            assertThat(e.error().message()).contains("interrupted");
            assertThat(e.partialCompletion().orElseThrow().at("/choices/0/message/content").asText())
                    .isEqualTo("partial");
        });
        assertThat(interruptKept).as("interrupt flag kept").isTrue();
        assertThat(peer.clientHungUp().await(10, TimeUnit.SECONDS)).as("connection closed by the client").isTrue();
    }

    @Test
    void anAbortClosesAStreamMidWayAndKeepsWhatWasStreamed() throws Exception {
        peer.enqueue(Reply.sse(FIRST, 1000).stalling(Stall.AFTER_BODY));
        Abort abort = new Abort();
        CountDownLatch firstChunk = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.stream(target("gpt-4o", false), request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                        c -> firstChunk.countDown(), abort);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        assertThat(firstChunk.await(10, TimeUnit.SECONDS)).as("first chunk within 10 s").isTrue();

        assertThat(abort.abort(ProviderError.of(ErrorKind.CANCELLED, "cancelled by the client"))).isTrue();

        assertThat(caller.join(Duration.ofSeconds(10))).as("caller ended within 10 s").isTrue();
        assertThat(thrown.get()).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.CANCELLED);
            assertThat(e.error().message()).isEqualTo("cancelled by the client");
            assertThat(e.partialCompletion().orElseThrow().at("/choices/0/message/content").asText())
                    .isEqualTo("partial");
        });
        assertThat(peer.clientHungUp().await(10, TimeUnit.SECONDS)).as("connection closed by the client").isTrue();
    }

    @Test
    void anAbortClosesACallWaitingForItsAnswer() throws Exception {
        // a raw peer that reads the request head and never answers; it sees the client hang up as end of stream
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CountDownLatch received = new CountDownLatch(1);
            CountDownLatch hungUp = new CountDownLatch(1);
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket socket = server.accept()) {
                    java.io.InputStream in = socket.getInputStream();
                    while (in.read() >= 0) {
                        received.countDown();
                    }
                    hungUp.countDown();
                } catch (IOException e) {
                    hungUp.countDown();
                }
            });
            ProviderTarget target = ProviderTarget.builder("openai", "gpt-4o")
                    .apiBase(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1")).apiKey("sk-test-abcdefgh")
                    .timeout(Duration.ofSeconds(30)).streamIdleTimeout(Duration.ofSeconds(30)).build();
            Abort abort = new Abort();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    client.complete(target, request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), abort);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            assertThat(received.await(10, TimeUnit.SECONDS)).as("request sent").isTrue();

            abort.abort(ProviderError.of(ErrorKind.EXPIRED, "deadline passed"));

            assertThat(caller.join(Duration.ofSeconds(10))).as("caller ended within 10 s").isTrue();
            assertThat(thrown.get()).isInstanceOfSatisfying(ProviderException.class,
                    e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.EXPIRED));
            assertThat(hungUp.await(10, TimeUnit.SECONDS)).as("connection closed by the client").isTrue();
        }
    }

    @Test
    void aCallAbortedBeforeItStartsSendsNothing() throws IOException {
        Abort abort = new Abort();
        abort.abort(ProviderError.of(ErrorKind.CANCELLED, "cancelled"));
        assertThatThrownBy(() -> client.complete(target("gpt-4o", false),
                request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), abort))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.CANCELLED));
        assertThat(peer.received()).isEmpty();
    }

    @Test
    void aFailingSinkStopsTheStreamAndPropagates() throws IOException {
        peer.enqueue(Reply.sse(FIRST, 1000).stalling(Stall.AFTER_BODY));
        assertThatThrownBy(() -> client.stream(target("gpt-4o", false),
                request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), c -> {
                    throw new IllegalStateException("downstream full");
                })).isInstanceOf(IllegalStateException.class).hasMessage("downstream full");
    }

    @Test
    void aJsonErrorAnsweringAStreamRequestIsClassified() throws IOException {
        peer.enqueue(Reply.json(200, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":null}}",
                Map.of("Content-Type", "application/json")));
        assertThatThrownBy(() -> client.stream(target("gpt-4o", false),
                request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), c -> { }))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR))
                .hasMessageContaining("overloaded");
    }

    @Test
    void aFailureWithoutAMessageNamesThePathTheCallWentToButNotItsHost() throws IOException {
        // what a server that does not know the path answers: a wrong api_base, often
        peer.enqueue(Reply.json(404, "Not Found", Map.of("Content-Type", "text/plain")));
        peer.enqueue(Reply.json(404, "Not Found", Map.of("Content-Type", "text/plain")));
        peer.enqueue(Reply.json(502, "", Map.of("Content-Type", "text/plain")));
        peer.enqueue(Reply.json(404, "{\"error\":{\"message\":\"The model `x` does not exist\"}}",
                Map.of("Content-Type", "application/json")));
        ObjectNode chat = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        String path = "/v1/chat/completions"; // not the host: the message reaches the job's submitter

        assertThat(failure(() -> client.complete(target("gpt-4o", false), chat)))
                .isEqualTo("HTTP 404 from POST " + path + " with no error message in the body: check the deployment's"
                        + " api_base and model");
        assertThat(failure(() -> client.stream(target("gpt-4o", false), chat, c -> { }))).startsWith("HTTP 404 from");
        assertThat(failure(() -> client.complete(target("gpt-4o", false), chat)))
                .isEqualTo("HTTP 502 from POST " + path + " with no error message in the body");
        assertThat(failure(() -> client.complete(target("gpt-4o", false), chat)))
                .as("the provider's own message stays").isEqualTo("The model `x` does not exist");
    }

    private static String failure(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        return org.assertj.core.api.Assertions.catchThrowableOfType(ProviderException.class, call).error().message();
    }

    @Test
    void aNonJsonSuccessBodyIsAServerError() throws IOException {
        peer.enqueue(Reply.json(200, "<html>proxy page</html>", Map.of("Content-Type", "text/html")));
        assertThatThrownBy(() -> client.complete(target("gpt-4o", false),
                request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.SERVER_ERROR);
                    assertThat(e.error().snippet()).contains("proxy page");
                });
    }

    @Test
    void reasoningModelsRejectSamplingUnlessDropParamsAndRenameMaxTokens() throws IOException {
        ObjectNode req = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0.2,\"max_tokens\":9}");
        assertThatThrownBy(() -> client.complete(target("o3-mini", false), req))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("temperature");
                });
        assertThat(peer.received()).isEmpty();
        ObjectNode ok = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":1,\"max_tokens\":9}");
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));
        assertThat(client.complete(target("gpt-5-mini", false), ok).adjustments())
                .containsExactly("renamed:max_tokens->max_completion_tokens");
        assertThat(Json.mapper().readTree(peer.received().get(0).body()).get("max_completion_tokens").asInt())
                .isEqualTo(9);
    }

    /**
     * What the adapter refuses while mapping never reaches the provider, and its error says so ({@code sent} false,
     * for the attempt it ends), the completion and the stream alike; a provider's own 400 was sent.
     */
    @Test
    void aRequestRefusedWhileMappingIsNotSentAndItsErrorSaysSo() throws IOException {
        ObjectNode req = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0.2}");
        ProviderException completion = catchThrowableOfType(ProviderException.class,
                () -> client.complete(target("o3-mini", false), req));
        ProviderException stream = catchThrowableOfType(ProviderException.class,
                () -> client.stream(target("o3-mini", false), req, c -> { }));
        assertThat(List.of(completion.error(), stream.error())).allSatisfy(e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
            assertThat(e.sent()).isFalse();
        });
        assertThat(peer.received()).isEmpty();

        peer.enqueue(Reply.json(400, "{\"error\":{\"message\":\"Unsupported parameter: 'temperature'\","
                + "\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"unsupported_parameter\"}}",
                Map.of()));
        ProviderException answered = catchThrowableOfType(ProviderException.class,
                () -> client.complete(target("gpt-4o", false), req));
        assertThat(answered.error().httpStatus()).isEqualTo(400);
        assertThat(answered.error().sent()).isTrue();
    }

    @Test
    void anAzureDeploymentNamedAfterAReasoningModelGetsItsRules() throws IOException {
        ProviderTarget o3 = ProviderTarget.builder("azure", "o3-mini").apiBase(peer.base())
                .apiKey("azure-key").apiVersion("2024-10-21").build();
        ObjectNode sampled = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0.2}");
        assertThatThrownBy(() -> client.complete(o3, sampled)).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
            assertThat(e.error().message()).contains("azure o3-mini");
        });
        ObjectNode ok = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":9}");
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));
        assertThat(client.complete(o3, ok).adjustments()).containsExactly("renamed:max_tokens->max_completion_tokens");
        assertThat(peer.received()).hasSize(1);
        assertThat(Json.mapper().readTree(peer.received().get(0).body()).get("max_completion_tokens").asInt())
                .isEqualTo(9);
        ProviderTarget named = ProviderTarget.builder("azure", "prod-chat").apiBase(peer.base())
                .apiKey("azure-key").apiVersion("2024-10-21").build();
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));
        assertThat(client.complete(named, ok).adjustments()).as("a name that does not say the model").isEmpty();
    }

    /**
     * OpenAI answers reasoning_effort on its chat models from before reasoning with 400 "Unrecognized request argument
     * supplied: reasoning_effort": refused before calling, or dropped and recorded; reasoning models and names that
     * say no model keep it.
     */
    @ParameterizedTest
    @CsvSource({"openai,gpt-4o-mini,false", "openai,gpt-4.1-2025-04-14,false", "openai,gpt-3.5-turbo,false",
        "azure,gpt-35-turbo,false", "azure,gpt-4o,false", "openai,o4-mini,true", "openai,gpt-5,true",
        "azure,prod-chat,true", "openai_compatible,gpt-4o,true"})
    void reasoningEffortIsRefusedOnTheChatModelsBeforeReasoning(String provider, String model, boolean sent)
            throws IOException {
        ObjectNode req = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\"low\"}");
        ProviderTarget strict = ProviderTarget.builder(provider, model).apiBase(URI.create(peer.base() + "/v1"))
                .apiKey("sk-test-abcdefgh").apiVersion("2024-10-21").build();
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));
        if (sent) {
            assertThat(client.complete(strict, req).adjustments()).isEmpty();
            assertThat(Json.mapper().readTree(peer.received().get(0).body()).path("reasoning_effort").asText())
                    .isEqualTo("low");
            return;
        }
        assertThatThrownBy(() -> client.complete(strict, req)).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
            assertThat(e.error().message()).contains(provider + " " + model).contains("reasoning_effort");
        });
        ProviderTarget dropping = ProviderTarget.builder(provider, model).apiBase(URI.create(peer.base() + "/v1"))
                .apiKey("sk-test-abcdefgh").apiVersion("2024-10-21").dropParams(true).build();
        assertThat(client.complete(dropping, req).adjustments()).containsExactly("dropped:reasoning_effort");
        assertThat(peer.received()).hasSize(1);
        assertThat(Json.mapper().readTree(peer.received().get(0).body()).has("reasoning_effort")).isFalse();
    }

    /**
     * What OpenAI's reasoning models refuse, as LiteLLM's o-series and GPT-5 configs and OpenAI's 400s have it:
     * penalties everywhere, sampling and logprobs while the model reasons, logit_bias on GPT-5, stop on the GPT-5
     * models that always reason. A model that takes reasoning_effort none (gpt-5.1 on) takes sampling without effort
     * or with none, as OpenAI does; it was refused a temperature OpenAI takes. The last column is the parameter
     * refused before calling, empty when the request is sent as written.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "openai|gpt-5.1|\"temperature\":0.2|",
        "openai|gpt-5.1|\"temperature\":0.2,\"top_p\":0.5,\"reasoning_effort\":\"none\"|",
        "openai|gpt-5.1|\"temperature\":0.2,\"reasoning_effort\":\"low\"|temperature",
        "azure|gpt-5.1|\"temperature\":0.2|",
        "openai|gpt-5.2|\"logprobs\":true,\"top_logprobs\":2|",
        "openai|gpt-5|\"temperature\":0.2|temperature",
        "openai|o4-mini|\"logprobs\":true|logprobs",
        "openai|o3|\"presence_penalty\":0.5|presence_penalty",
        "openai|o3|\"presence_penalty\":0,\"frequency_penalty\":0,\"logprobs\":false|",
        "openai|gpt-5.1|\"frequency_penalty\":-1|frequency_penalty",
        "openai|gpt-5-mini|\"stop\":[\"END\"]|stop",
        "azure|gpt-5-nano|\"stop\":\"END\"|stop",
        "openai|gpt-5.1|\"stop\":[\"END\"]|",
        "openai|gpt-5.1|\"logit_bias\":{\"50256\":-100}|logit_bias",
        "openai|o3|\"stop\":[\"END\"],\"logit_bias\":{\"50256\":-100}|",
        "openai|gpt-4o|\"presence_penalty\":0.5,\"logprobs\":true,\"stop\":\"END\"|"})
    void reasoningModelsRefuseWhatOpenAiRefusesAndTakeSamplingWhenNotReasoning(String provider, String model,
            String fields, String refused) throws IOException {
        ObjectNode req = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + fields + "}");
        ProviderTarget strict = ProviderTarget.builder(provider, model).apiBase(URI.create(peer.base() + "/v1"))
                .apiKey("sk-test-abcdefgh").apiVersion("2024-10-21").build();
        if (refused == null) {
            peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));
            assertThat(client.complete(strict, req).adjustments()).isEmpty();
            ObjectNode sent = (ObjectNode) Json.mapper().readTree(peer.received().get(0).body());
            req.properties().forEach(e -> assertThat(sent.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
            return;
        }
        assertThatThrownBy(() -> client.complete(strict, req)).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
            assertThat(e.error().param()).isEqualTo(refused);
        });
        assertThat(peer.received()).isEmpty();
    }

    /** LiteLLM's azure/o_series/<deployment>: a deployment named otherwise, called by its name, by reasoning rules. */
    @Test
    void anAzureOSeriesDeploymentIsCalledByItsNameWithTheReasoningRules() throws IOException {
        ProviderTarget reasoner = ProviderTarget.builder("azure", "o_series/prod-reasoner").apiBase(peer.base())
                .apiKey("azure-key").apiVersion("2024-10-21").build();
        ObjectNode sampled = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0.2}");
        assertThatThrownBy(() -> client.complete(reasoner, sampled)).isInstanceOfSatisfying(ProviderException.class,
                e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER));
        ObjectNode ok = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":9}");
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));

        assertThat(client.complete(reasoner, ok).adjustments())
                .containsExactly("renamed:max_tokens->max_completion_tokens");
        assertThat(peer.received()).singleElement().satisfies(r -> {
            assertThat(r.uri().getPath()).isEqualTo("/openai/deployments/prod-reasoner/chat/completions");
            assertThat(Json.mapper().readTree(r.body()).get("model").asText()).isEqualTo("prod-reasoner");
        });
    }

    @Test
    void aGeminiCallsThoughtSignatureIsCutFromItsToolCallIds() throws IOException {
        // a tool loop begun on Gemini: its call's id carries the thought signature, which OpenAI has no use for
        String signed = "call_r1_0_0__thought__" + "Q2lRQi94OVp6".repeat(100) + "==";
        ObjectNode req = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\","
                + "\"tool_calls\":[{\"id\":\"" + signed + "\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{}\"}},{\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"" + signed + "\",\"content\":\"1\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_abc\",\"content\":\"2\"}]}");
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));
        assertThat(client.complete(target("gpt-4o", false), req).adjustments()).isEmpty();
        var sent = Json.mapper().readTree(peer.received().get(0).body()).get("messages");
        assertThat(sent.at("/1/tool_calls/0/id").asText()).isEqualTo("call_r1_0_0");
        assertThat(sent.at("/1/tool_calls/1/id").asText()).isEqualTo("call_abc");
        assertThat(sent.at("/2/tool_call_id").asText()).isEqualTo("call_r1_0_0");
        assertThat(sent.at("/3/tool_call_id").asText()).isEqualTo("call_abc");
        assertThat(req.at("/messages/1/tool_calls/0/id").asText()).as("the job's own request is left as it is")
                .isEqualTo(signed);
    }

    /**
     * A tool loop begun on Claude carries its thinking back: OpenAI and Azure OpenAI refuse the unknown message
     * fields, so they are left out there; other OpenAI-compatible servers (a LiteLLM proxy in front of Claude, which
     * needs them) get them as they are. The job's request keeps them either way.
     */
    @ParameterizedTest
    @CsvSource({"openai,false", "azure,false", "openai_compatible,true", "hosted_vllm,true", "deepseek,true",
        "litellm_proxy,true"})
    void anotherProvidersReasoningIsLeftOutWhereOpenAiRefusesIt(String provider, boolean kept) throws IOException {
        ObjectNode req = request("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\","
                + "\"content\":\"ok\",\"reasoning_content\":\"Look it up.\","
                + "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"Look it up.\",\"signature\":\"c2ln\"}]},"
                + "{\"role\":\"user\",\"content\":\"y\"}]}");
        ProviderTarget target = ProviderTarget.builder(provider, "gpt-4o").apiBase(URI.create(peer.base() + "/v1"))
                .apiKey("sk-test-abcdefgh").apiVersion("2024-10-21").build();
        peer.enqueue(Reply.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}", Map.of()));

        assertThat(client.complete(target, req).adjustments()).isEmpty();
        var assistant = Json.mapper().readTree(peer.received().get(0).body()).at("/messages/1");
        assertThat(assistant.has("thinking_blocks")).as(provider).isEqualTo(kept);
        assertThat(assistant.has("reasoning_content")).as(provider).isEqualTo(kept);
        assertThat(assistant.get("content").asText()).isEqualTo("ok");
        assertThat(req.at("/messages/1").has("thinking_blocks")).as("the job's own request is left as it is").isTrue();
    }

    @Test
    void nonReasoningModelsKeepMaxTokensAndSampling() throws IOException {
        assertThat(java.util.stream.Stream.of("gpt-4o", "gpt-5-chat-latest", "o1", "o4-mini-2025-04-16", "gpt-5",
                "omni-moderation-latest").filter(ReasoningModels::isReasoning))
                .containsExactly("o1", "o4-mini-2025-04-16", "gpt-5");
    }

    @Test
    void missingMessagesIsAClearInvalidRequest() throws IOException {
        assertThatThrownBy(() -> client.complete(target("gpt-4o", false), request("{\"model\":\"x\"}")))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.error().param()).isEqualTo("messages");
                });
    }
}
