package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one terminal result of a job on {@code llmq.results.v1}, keyed by job id. Delivery is at-least-once, so a
 * reader keeps the first result it sees per job id.
 *
 * @param response the OpenAI {@code chat.completion} object when {@code status} is succeeded
 * @param error why the job failed when it did not succeed
 * @param adjustments parameters the deployment dropped or filled in (never silently)
 * @param costUsd what the job cost in USD, exact (a decimal, never a binary float); null when it cannot be priced
 * @param costReason why {@code costUsd} is null (e.g. the model is not in the price table); null when priced
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobResult(
        int schemaVersion,
        String jobId,
        String batchId,
        String customId,
        String tenant,
        String modelGroup,
        JobStatus status,
        ObjectNode response,
        JobError error,
        TokenUsage usage,
        BigDecimal costUsd,
        String costReason,
        String deployment,
        String provider,
        String model,
        List<Attempt> attempts,
        Long latencyMs,
        Long ttftMs,
        Instant submittedAt,
        Instant startedAt,
        Instant completedAt,
        List<String> tags,
        Map<String, String> metadata,
        List<String> adjustments) {

    public static final int SCHEMA_VERSION = 1;

    public JobResult {
        JobRequest.requireText(jobId, "job_id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(completedAt, "completed_at");
        if (status == JobStatus.SUCCEEDED && response == null) {
            throw new IllegalArgumentException("a succeeded result needs a response");
        }
        if (status != JobStatus.SUCCEEDED && status != JobStatus.UNKNOWN && error == null) {
            throw new IllegalArgumentException("a " + status.wire() + " result needs an error");
        }
        usage = usage == null ? TokenUsage.ZERO : usage;
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        tags = tags == null ? List.of() : List.copyOf(tags);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        adjustments = adjustments == null ? List.of() : List.copyOf(adjustments);
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }
}
