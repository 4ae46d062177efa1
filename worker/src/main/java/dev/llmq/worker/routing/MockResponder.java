package dev.llmq.worker.routing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.router.Deployment;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.ChunkPublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Answers a deployment's {@code mock_response} (LiteLLM's config key) without calling a provider: one
 * {@code chat.completion}, and for a stream one content chunk plus a finish chunk.
 */
final class MockResponder {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Clock clock;

    MockResponder(Clock clock) {
        this.clock = clock;
    }

    ProviderResponse respond(Deployment deployment, JobRequest job, ChunkPublisher chunks) {
        String text = deployment.mockResponse();
        String id = "chatcmpl-mock-" + job.jobId();
        long created = clock.instant().getEpochSecond();
        long completionTokens = text.isBlank() ? 0 : text.strip().split("\\s+").length;
        long promptTokens = RoutedJobHandler.estimatePromptTokens(job.body());
        TokenUsage usage = new TokenUsage(promptTokens, completionTokens, promptTokens + completionTokens, 0, 0);
        if (job.stream()) {
            chunks.publish(chunk(id, created, deployment.model(), NODES.objectNode().put("role", "assistant")
                    .put("content", text), null));
            chunks.publish(chunk(id, created, deployment.model(), NODES.objectNode(), "stop"));
        }
        ObjectNode completion = NODES.objectNode();
        completion.put("id", id).put("object", "chat.completion").put("created", created)
                .put("model", deployment.model());
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", text);
        choice.put("finish_reason", "stop");
        completion.putObject("usage").put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens()).put("total_tokens", usage.totalTokens());
        return new ProviderResponse(completion, usage, Duration.ZERO, job.stream() ? Duration.ZERO : null,
                List.of("mock_response"), null);
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finishReason) {
        ObjectNode chunk = NODES.objectNode();
        chunk.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }
}
