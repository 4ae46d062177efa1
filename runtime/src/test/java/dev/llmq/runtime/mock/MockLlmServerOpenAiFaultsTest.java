package dev.llmq.runtime.mock;

import static dev.llmq.runtime.mock.MockLlmClient.chatBody;
import static dev.llmq.runtime.mock.MockLlmClient.json;
import static dev.llmq.runtime.mock.MockLlmClient.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The faults added with the other protocols, as OpenAI renders them, and OpenAI's {@code stop}. */
class MockLlmServerOpenAiFaultsTest {

    static MockLlmServer server;
    static MockLlmClient client;

    @BeforeAll
    static void start() {
        server = MockLlmServer.builder()
                .behavior("filtered", MockBehavior.defaults().failingAlways(Fault.contentFilter()))
                .behavior("unsafe", MockBehavior.defaults().failingAlways(Fault.safetyBlock()))
                .behavior("midway", MockBehavior.defaults().failingAlways(Fault.midStreamError()))
                .build().start();
        client = new MockLlmClient(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> chat(String model, boolean stream, String extra) {
        return client.post("/v1/chat/completions", chatBody(model, stream, extra));
    }

    @Test
    void promptFilterIsAContentPolicyViolationAndCompletionFilterAFinishReason() {
        HttpResponse<String> filtered = chat("filtered", false, null);
        assertThat(filtered.statusCode()).isEqualTo(400);
        assertThat(json(filtered.body()).at("/error/code").asText()).isEqualTo("content_policy_violation");

        JsonNode unsafe = json(chat("unsafe", false, null).body());
        assertThat(unsafe.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        assertThat(unsafe.at("/choices/0/message/content").asText()).isEmpty();
        assertThat(unsafe.at("/usage/completion_tokens").asInt()).isZero();
        List<String> stream = sseData(chat("unsafe", true, null).body());
        assertThat(json(stream.get(stream.size() - 2)).at("/choices/0/finish_reason").asText())
                .isEqualTo("content_filter");
    }

    @Test
    void midStreamErrorSendsAnErrorEventInsteadOfDone() {
        List<String> data = sseData(chat("midway", true, null).body());
        assertThat(data).hasSize(3).doesNotContain("[DONE]");
        assertThat(json(data.getLast()).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(chat("midway", false, null).statusCode()).isEqualTo(503);
        assertThat(server.requests("midway")).extracting(RecordedRequest::outcome)
                .containsExactly("mid_stream_error", "fault");
    }

    @Test
    void stopSequencesEndTheText() {
        String full = json(chat("plain", false, null).body()).at("/choices/0/message/content").asText();
        String word = full.split(" ")[2];
        JsonNode stopped = json(chat("plain", false, "\"stop\":[\"" + word + "\"]").body());
        assertThat(stopped.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(full).startsWith(stopped.at("/choices/0/message/content").asText());
        assertThat(stopped.at("/choices/0/message/content").asText()).doesNotContain(word);
        assertThat(chat("plain", false, "\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]").statusCode()).isEqualTo(400);
    }
}
