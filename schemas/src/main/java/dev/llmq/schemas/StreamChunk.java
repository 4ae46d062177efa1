package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * Partial output of a streaming job on {@code llmq.chunks.v1}, keyed by job id.
 *
 * @param seq 0-based, gap-free sequence number within one attempt of the job
 * @param attempt the attempt that produced the chunk (a retried stream starts again at seq 0 with a higher attempt)
 * @param chunk an OpenAI {@code chat.completion.chunk} object (possibly several provider chunks coalesced)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StreamChunk(int schemaVersion, String jobId, int attempt, long seq, ObjectNode chunk, Instant at) {

    public static final int SCHEMA_VERSION = 1;

    public StreamChunk {
        JobRequest.requireText(jobId, "job_id");
        Objects.requireNonNull(chunk, "chunk");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0, was " + seq);
        }
        if (attempt < 1) {
            attempt = 1;
        }
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }
}
