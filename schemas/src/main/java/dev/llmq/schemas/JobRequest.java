package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat-completion job on {@code llmq.jobs.v1}, keyed by {@link #jobId()}.
 *
 * @param body the OpenAI chat-completion request body exactly as submitted (its {@code model} names the model group)
 * @param idempotencyKey the submission's {@code Idempotency-Key}, if any, so any reader can map a retry to its jobs
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(
        int schemaVersion,
        String jobId,
        String batchId,
        String customId,
        String tenant,
        String modelGroup,
        ObjectNode body,
        boolean stream,
        int priority,
        Instant deadline,
        List<String> tags,
        Map<String, String> metadata,
        Instant submittedAt,
        String idempotencyKey) {

    public static final int SCHEMA_VERSION = 1;

    public JobRequest {
        requireText(jobId, "job_id");
        requireText(modelGroup, "model_group");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(submittedAt, "submitted_at");
        tags = tags == null ? List.of() : List.copyOf(tags);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
