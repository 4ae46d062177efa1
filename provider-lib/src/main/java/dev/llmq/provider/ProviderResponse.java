package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A successful provider call, in OpenAI's shape.
 *
 * @param completion an OpenAI {@code chat.completion} object (for a stream: assembled from its chunks)
 * @param usage token usage as the provider reported it
 * @param latency from request sent to last byte
 * @param timeToFirstToken for streams: from request sent to the first content delta; null otherwise
 * @param adjustments parameters dropped or filled in for this provider, e.g. {@code dropped:logprobs}
 * @param requestId the provider's request id, or null
 */
public record ProviderResponse(ObjectNode completion, TokenUsage usage, Duration latency, Duration timeToFirstToken,
                               List<String> adjustments, String requestId) {

    public ProviderResponse {
        Objects.requireNonNull(completion, "completion");
        usage = usage == null ? TokenUsage.ZERO : usage;
        Objects.requireNonNull(latency, "latency");
        adjustments = adjustments == null ? List.of() : List.copyOf(adjustments);
    }
}
