package dev.llmq.worker.health;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.schemas.TokenUsage;
import java.time.Duration;
import java.util.List;

/** A successful provider response for tests that script calls. */
final class OkResponses {

    private OkResponses() {
    }

    static ProviderResponse ok() {
        return new ProviderResponse(JsonNodeFactory.instance.objectNode().put("object", "chat.completion"),
                new TokenUsage(10, 5, 15, 0, 0), Duration.ofMillis(10), null, List.of(), null);
    }
}
