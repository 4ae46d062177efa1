package dev.llmq.router;

import dev.llmq.provider.Abort;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the router needs to know about one job.
 *
 * @param estimatedPromptTokens prompt size estimate for the context-window check and tpm accounting (0 if unknown)
 * @param deadline no attempt starts and no wait lasts past it (the job then ends {@code expired}); null for none
 * @param abort stops the job's attempts and waits from another thread (a cancellation, the deadline in flight); the
 *              worker hands the same one to its provider calls
 */
public record RouteRequest(String modelGroup, List<String> tags, long estimatedPromptTokens, boolean stream,
                           Instant deadline, Abort abort) {

    public RouteRequest {
        Objects.requireNonNull(modelGroup, "modelGroup");
        abort = abort == null ? new Abort() : abort;
        tags = tags == null ? List.of() : List.copyOf(tags);
        if (estimatedPromptTokens < 0) {
            throw new IllegalArgumentException("estimatedPromptTokens must be >= 0");
        }
    }

    /** A request that nothing aborts but its deadline. */
    public RouteRequest(String modelGroup, List<String> tags, long estimatedPromptTokens, boolean stream,
                        Instant deadline) {
        this(modelGroup, tags, estimatedPromptTokens, stream, deadline, null);
    }

    public static RouteRequest of(String modelGroup) {
        return new RouteRequest(modelGroup, List.of(), 0, false, null);
    }
}
