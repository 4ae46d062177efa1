package dev.llmq.runtime.mock;

import com.fasterxml.jackson.databind.node.NullNode;
import static dev.llmq.runtime.mock.MockLlmClient.chatBody;
import static dev.llmq.runtime.mock.MockLlmClient.json;
import static dev.llmq.runtime.mock.MockLlmClient.sseData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.runtime.PortInUseException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MockLlmServerFaultsTest {

    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    MockLlmServer server;
    MockLlmClient client;

    @BeforeEach
    void start() {
        server = MockLlmServer.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).seed(7).build().start();
        client = new MockLlmClient(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<String> chat(String model, boolean stream) {
        return client.post("/v1/chat/completions", chatBody(model, stream, null));
    }

    @Test
    void rateLimitAnswersWithOpenAiBodyAndRetryAfter() {
        server.behavior("throttled", MockBehavior.defaults().failingAlways(Fault.rateLimited(Duration.ofMillis(1500))));

        HttpResponse<String> res = chat("throttled", false);

        assertThat(res.statusCode()).isEqualTo(429);
        assertThat(res.headers().firstValue("retry-after")).hasValue("2");
        assertThat(res.headers().firstValue("retry-after-ms")).hasValue("1500");
        JsonNode err = json(res.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(err.get("type").asText()).isEqualTo("requests");
        assertThat(err.get("param")).isInstanceOf(NullNode.class);
        assertThat(err.get("message").asText()).contains("Rate limit");
        assertThat(chat("other", false).statusCode()).isEqualTo(200);
    }

    @Test
    void cannedErrorsHaveTheirStatusTypeAndCode() {
        server.behavior("a", MockBehavior.defaults().failingAlways(Fault.serverError()));
        server.behavior("b", MockBehavior.defaults().failingAlways(Fault.contextLengthExceeded()));
        server.behavior("c", MockBehavior.defaults().failingAlways(Fault.invalidApiKey()));

        HttpResponse<String> a = chat("a", true);
        assertThat(a.statusCode()).isEqualTo(500);
        assertThat(json(a.body()).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(json(a.body()).at("/error/code")).isInstanceOf(NullNode.class);
        assertThat(a.headers().firstValue("retry-after")).isEmpty();
        HttpResponse<String> b = chat("b", false);
        assertThat(b.statusCode()).isEqualTo(400);
        assertThat(json(b.body()).at("/error/code").asText()).isEqualTo("context_length_exceeded");
        assertThat(json(b.body()).at("/error/param").asText()).isEqualTo("messages");
        assertThat(chat("c", false).statusCode()).isEqualTo(401);
    }

    @Test
    void firstNRequestsFailThenSucceedAndReplacingTheBehaviorRestartsTheCount() {
        MockBehavior flaky = MockBehavior.defaults().failingFirst(2, Fault.overloaded());
        server.behavior("m", flaky);
        assertThat(List.of(chat("m", false).statusCode(), chat("m", false).statusCode(), chat("m", false).statusCode()))
                .containsExactly(503, 503, 200);
        server.behavior("m", flaky);
        assertThat(chat("m", false).statusCode()).isEqualTo(503);
    }

    @Test
    void fractionFaultsAreSeededAndRepeatable() {
        MockBehavior half = MockBehavior.defaults().withCompletionTokens(1).failingFraction(0.5, Fault.serverError());
        List<Integer> first = statuses(server, half, 40);
        try (MockLlmServer again = MockLlmServer.builder().seed(7).build().start()) {
            assertThat(statuses(again, half, 40)).isEqualTo(first);
        }
        long failures = first.stream().filter(s -> s == 500).count();
        assertThat(failures).isBetween(8L, 32L);
    }

    private static List<Integer> statuses(MockLlmServer s, MockBehavior b, int n) {
        s.behavior("f", b);
        MockLlmClient c = new MockLlmClient(s);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(c.post("/v1/chat/completions", chatBody("f", false, null)).statusCode());
        }
        return out;
    }

    @Test
    void streamCutEndsAfterKChunksWithoutDone() {
        server.behavior("cut", MockBehavior.defaults().failingAlways(Fault.streamCut(3)));

        HttpResponse<String> res = client.post("/v1/chat/completions",
                chatBody("cut", true, "\"stream_options\":{\"include_usage\":true}"));

        assertThat(res.statusCode()).isEqualTo(200);
        List<String> data = sseData(res.body());
        assertThat(data).hasSize(3).doesNotContain("[DONE]");
        assertThat(data).allSatisfy(d -> assertThat(json(d).get("object").asText()).isEqualTo("chat.completion.chunk"));

        HttpResponse<String> plain = chat("cut", false);
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> MockLlmClient.JSON.readTree(plain.body())).isInstanceOf(Exception.class);
        assertThat(server.requests("cut")).extracting(RecordedRequest::outcome).containsOnly("stream_cut");
    }

    @Test
    void latencyDelaysNonStreamAndPacingShapesTheStream() {
        server.behavior("slow", MockBehavior.defaults().withLatency(Duration.ofMillis(300)));
        server.behavior("paced", MockBehavior.defaults().withCompletionTokens(10)
                .withTimeToFirstToken(Duration.ofMillis(200)).withTokensPerSecond(50));

        long t0 = System.nanoTime();
        HttpResponse<String> slow = chat("slow", false);
        long slowMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(slow.statusCode()).isEqualTo(200);
        assertThat(slowMs).isGreaterThanOrEqualTo(300);
        assertThat(slow.headers().firstValue("openai-processing-ms")).hasValue("300");

        long t1 = System.nanoTime();
        assertThat(sseData(chat("paced", true).body()).getLast()).isEqualTo("[DONE]");
        long pacedMs = (System.nanoTime() - t1) / 1_000_000;
        assertThat(pacedMs).isGreaterThanOrEqualTo(200 + 9 * 20);

        long t2 = System.nanoTime();
        chat("fast", false);
        assertThat((System.nanoTime() - t2) / 1_000_000).isLessThan(300);
    }

    @Test
    void aWrongKeyIsEchoedOnlyWhenAsked() {
        try (MockLlmServer echoing = MockLlmServer.builder().apiKey("sk-right").echoRejectedKey(true).build().start()) {
            HttpResponse<String> wrong = new MockLlmClient(echoing).post("/v1/chat/completions",
                    chatBody("m", false, null), "Authorization", "Bearer sk-wrong-0123456789");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(json(wrong.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(json(wrong.body()).at("/error/message").asText()).contains("sk-w" + "*".repeat(11) + "6789")
                    .contains("sk-wrong-0123456789");
        }
    }

    @Test
    void requiredApiKeyIsCheckedAndNeverLogged() {
        try (MockLlmServer secured = MockLlmServer.builder().apiKey("sk-right").clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build().start()) {
            MockLlmClient c = new MockLlmClient(secured);
            String body = chatBody("m", false, null);
            HttpResponse<String> none = c.post("/v1/chat/completions", body);
            HttpResponse<String> wrong = c.post("/v1/chat/completions", body, "Authorization", "Bearer sk-wrong");
            HttpResponse<String> right = c.post("/v1/chat/completions", body, "Authorization", "Bearer sk-right");

            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(json(none.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(json(wrong.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(wrong.body()).doesNotContain("sk-wrong");
            assertThat(right.statusCode()).isEqualTo(200);

            assertThat(secured.requests()).extracting(RecordedRequest::status, RecordedRequest::hasAuthorization,
                    RecordedRequest::outcome).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(401, false, "unauthorized"),
                    org.assertj.core.groups.Tuple.tuple(401, true, "unauthorized"),
                    org.assertj.core.groups.Tuple.tuple(200, true, "ok"));
            assertThat(secured.requests()).allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("authorization"));
        }
    }

    @Test
    void requestLogRecordsTimeModelPathAndStatus() {
        server.behavior("bad", MockBehavior.defaults().failingFirst(1, Fault.rateLimited(Duration.ofSeconds(1))));
        chat("bad", false);
        chat("bad", true);
        client.post("/chat/completions", chatBody("good", false, null), "traceparent", "00-abc-def-01");

        List<RecordedRequest> log = server.requests();
        assertThat(log).extracting(RecordedRequest::model, RecordedRequest::stream, RecordedRequest::status,
                RecordedRequest::path).containsExactly(
                org.assertj.core.groups.Tuple.tuple("bad", false, 429, "/v1/chat/completions"),
                org.assertj.core.groups.Tuple.tuple("bad", true, 200, "/v1/chat/completions"),
                org.assertj.core.groups.Tuple.tuple("good", false, 200, "/chat/completions"));
        assertThat(log).allSatisfy(r -> {
            assertThat(r.receivedAt()).isEqualTo(NOW);
            assertThat(r.protocol()).isEqualTo("openai");
            assertThat(r.method()).isEqualTo("POST");
        });
        assertThat(log.get(2).headers()).containsEntry("traceparent", "00-abc-def-01");
        assertThat(log).extracting(RecordedRequest::sequence).isSorted().doesNotHaveDuplicates();
        assertThat(server.requests("bad")).hasSize(2);

        server.clearRequests();
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void adminEndpointsDriveBehaviorsAndExposeTheLog() {
        HttpResponse<String> put = client.send("PUT", "/__mock/behaviors/azure/gpt-4o-eu",
                "{\"completion_tokens\":3,\"faults\":[{\"kind\":\"rate_limited\",\"retry_after_ms\":2000,\"first\":1}]}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(json(put.body()).at("/faults/0/status").asInt()).isEqualTo(429);
        assertThat(server.behaviorFor("azure/gpt-4o-eu").completionTokens()).isEqualTo(3);

        HttpResponse<String> limited = chat("azure/gpt-4o-eu", false);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).hasValue("2");
        HttpResponse<String> ok = chat("azure/gpt-4o-eu", false);
        assertThat(json(ok.body()).at("/usage/completion_tokens").asInt()).isEqualTo(3);

        JsonNode log = json(client.send("GET", "/__mock/requests?model=azure/gpt-4o-eu", null).body());
        assertThat(log).hasSize(2);
        assertThat(log.get(1).get("body")).as("what llmq sent, as a JSON object")
                .isEqualTo(json(chatBody("azure/gpt-4o-eu", false, null)));
        assertThat(log.get(1).get("body_bytes").asInt()).isEqualTo(chatBody("azure/gpt-4o-eu", false, null).length());
        assertThat(log.get(1).get("body_truncated").asBoolean()).isFalse();
        assertThat(log.get(0).get("status").asInt()).isEqualTo(429);
        assertThat(log.get(0).get("received_at").asText()).isEqualTo(NOW.toString());
        assertThat(log.get(1).get("outcome").asText()).isEqualTo("ok");

        assertThat(client.send("PUT", "/__mock/default-behavior", "{\"completion_tokens\":2}").statusCode())
                .isEqualTo(200);
        assertThat(json(chat("any", false).body()).at("/usage/completion_tokens").asInt()).isEqualTo(2);
        JsonNode behaviors = json(client.send("GET", "/__mock/behaviors", null).body());
        assertThat(behaviors.at("/default/completion_tokens").asInt()).isEqualTo(2);
        assertThat(behaviors.at("/models").get("azure/gpt-4o-eu")).isNotNull();

        assertThat(client.send("PUT", "/__mock/behaviors/x", "{\"faults\":[{\"kind\":\"nope\"}]}").statusCode())
                .isEqualTo(400);
        assertThat(client.send("DELETE", "/__mock/behaviors/azure/gpt-4o-eu", null).statusCode()).isEqualTo(204);
        assertThat(server.behaviorFor("azure/gpt-4o-eu").completionTokens()).isEqualTo(2);
        assertThat(client.send("DELETE", "/__mock/requests", null).statusCode()).isEqualTo(204);
        assertThat(json(client.send("GET", "/__mock/requests", null).body())).isEmpty();
    }

    /**
     * The log gives a whole JSON body as the object sent, and any other (not JSON, more than one document, a key
     * twice, or cut at the limit) as the text received, so what it shows is always what came.
     */
    @Test
    void theLogGivesAWholeJsonBodyAsJsonAndAnyOtherAsText() {
        String decimals = "{\"model\":\"j\",\"temperature\":0.50,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String twice = "{\"model\":\"j\",\"model\":\"k\"}";
        String cut = chatBody("j", false, "\"user\":\"" + "x".repeat(RecordedRequest.BODY_LIMIT) + "\"");
        for (String body : List.of(decimals, "not json", "{\"model\":\"j\"} {}", twice, cut)) {
            client.post("/v1/chat/completions", body);
        }

        String raw = client.send("GET", "/__mock/requests", null).body();
        JsonNode log = json(raw);

        assertThat(log).hasSize(5);
        assertThat(log.get(0).get("body").isObject()).isTrue();
        assertThat(raw).as("every digit kept").contains("\"body\":" + decimals + ",");
        assertThat(log.get(1).get("body").asText()).isEqualTo("not json");
        assertThat(log.get(2).get("body").asText()).isEqualTo("{\"model\":\"j\"} {}");
        assertThat(log.get(3).get("body").asText()).isEqualTo(twice);
        assertThat(log.get(4).get("body").isTextual()).isTrue();
        assertThat(log.get(4).get("body").asText()).hasSize(RecordedRequest.BODY_LIMIT);
        assertThat(log.get(4).get("body_truncated").asBoolean()).isTrue();
        assertThat(log).allSatisfy(r -> assertThat(r.has("body_bytes")).isTrue());
    }

    @Test
    void busyPortGivesAnExceptionNamingThePort() {
        int taken = server.port();
        assertThatThrownBy(() -> MockLlmServer.start(taken))
                .isInstanceOf(PortInUseException.class)
                .hasMessageContaining("127.0.0.1:" + taken);
        // given another address, the message names that one
        assertThatThrownBy(() -> MockLlmServer.builder().host("0.0.0.0").port(taken).build().start())
                .isInstanceOf(PortInUseException.class)
                .hasMessageContaining("mock LLM server cannot listen on 0.0.0.0:" + taken + ": the port is already "
                        + "in use");
    }
}
