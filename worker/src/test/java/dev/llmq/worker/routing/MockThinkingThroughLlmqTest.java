package dev.llmq.worker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import dev.llmq.worker.JobOutcome;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user trying llmq against its mock LLM server sees when a job turns thinking on: Claude's signed
 * {@code thinking_blocks} and {@code reasoning_content}, Gemini's thoughts as {@code reasoning_content}, an OpenAI
 * reasoning model's {@code reasoning_tokens}, streamed or not.
 */
class MockThinkingThroughLlmqTest {

    private static final MockLlmServer MOCK = MockLlmServer.builder().port(0).build().start();
    private static final RoutedJobHandler HANDLER = RoutingFixtures.handler("""
            model_list:
              - model_name: claude
                litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: %1$s, api_key: k }
              - model_name: gemini
                litellm_params: { model: gemini/gemini-2.5-flash, api_base: %2$s, api_key: k }
              - model_name: o4
                litellm_params: { model: openai/o4-mini, api_base: %3$s, api_key: k }
            router_settings: { num_retries: 0 }
            """.formatted(MOCK.anthropicBaseUrl(), MOCK.baseUrl(), MOCK.openAiBaseUrl()), 5);

    @AfterAll
    static void stop() {
        MOCK.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void thinkingComesBackFromEveryProtocol(boolean stream) throws InterruptedException {
        JsonNode claude = answer("claude", stream);
        JsonNode block = claude.at("/choices/0/message/thinking_blocks/0");
        assertThat(block.path("type").asText()).isEqualTo("thinking");
        assertThat(block.path("signature").asText()).isNotBlank();
        assertThat(claude.at("/choices/0/message/reasoning_content").asText()).isEqualTo(block.path("thinking")
                .asText()).isNotBlank();
        assertThat(claude.at("/choices/0/message/content").asText()).isNotBlank();

        JsonNode gemini = answer("gemini", stream);
        assertThat(gemini.at("/choices/0/message/reasoning_content").asText()).isNotBlank();
        assertThat(gemini.at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isPositive();

        JsonNode o4 = answer("o4", stream);
        assertThat(o4.at("/usage/completion_tokens_details/reasoning_tokens").asInt()).isPositive();
    }

    private static JsonNode answer(String group, boolean stream) throws InterruptedException {
        ObjectNode body = Json.mapper().createObjectNode().put("model", group).put("max_tokens", 2000)
                .put("reasoning_effort", "low");
        body.putArray("messages").addObject().put("role", "user").put("content", "hello there");
        JobRequest job = new JobRequest(1, "job-" + group, null, null, null, group, body, stream, 0, null, null,
                null, Instant.now(), null);
        JobOutcome outcome = HANDLER.handle(job, new RoutedJobHandlerTest.RecordingChunks());
        assertThat(outcome.status()).as("%s: %s", group, outcome.error()).isEqualTo(JobStatus.SUCCEEDED);
        return outcome.response();
    }
}
