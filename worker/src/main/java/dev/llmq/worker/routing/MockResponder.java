package dev.llmq.worker.routing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.model.Completions;
import dev.llmq.router.Deployment;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.ChunkPublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Answers a deployment's {@code mock_response} (LiteLLM's config key) without calling a provider: one
 * {@code chat.completion}, and for a stream one content chunk plus a finish chunk, built by provider-lib's
 * {@link Completions} like every other answer.
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
        String model = deployment.model();
        long completionTokens = text.isBlank() ? 0 : text.strip().split("\\s+").length;
        long promptTokens = RoutedJobHandler.estimatePromptTokens(job.body());
        TokenUsage usage = new TokenUsage(promptTokens, completionTokens, promptTokens + completionTokens, 0, 0);
        if (job.stream()) {
            chunks.publish(Completions.chunk(id, created, model, 0,
                    NODES.objectNode().put("role", Completions.DEFAULT_ROLE).put("content", text), null));
            chunks.publish(Completions.chunk(id, created, model, 0, NODES.objectNode(), "stop"));
        }
        ObjectNode completion = Completions.completion(id, created, model);
        completion.putArray("choices").add(Completions.messageChoice(0,
                Completions.assistantMessage().content(text).build(), "stop"));
        completion.set("usage", Completions.usage(promptTokens, completionTokens).build());
        return new ProviderResponse(completion, usage, Duration.ZERO, job.stream() ? Duration.ZERO : null,
                List.of("mock_response"), null);
    }
}
