package dev.llmq.router;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the router needs to know about one job.
 *
 * @param estimatedPromptTokens prompt size estimate for the context-window check and tpm accounting (0 if unknown)
 * @param deadline no attempt starts and no wait lasts past it; null for none
 */
public record RouteRequest(String modelGroup, List<String> tags, long estimatedPromptTokens, boolean stream,
                           Instant deadline) {

    public RouteRequest {
        Objects.requireNonNull(modelGroup, "modelGroup");
        tags = tags == null ? List.of() : List.copyOf(tags);
        if (estimatedPromptTokens < 0) {
            throw new IllegalArgumentException("estimatedPromptTokens must be >= 0");
        }
    }

    public static RouteRequest of(String modelGroup) {
        return new RouteRequest(modelGroup, List.of(), 0, false, null);
    }
}
