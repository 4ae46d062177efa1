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
 * <p>A <em>run</em> is one try at producing the job's stream: an attempt of one delivery of the job. A retry or
 * fallback within a delivery is a new run with a higher attempt; a redelivery (another worker after a crash, say)
 * is a new run that starts again at attempt 1. Only {@code run_id} tells two runs with the same attempt apart, so
 * readers follow one run and never put chunks of two runs together.
 *
 * @param seq 0-based, gap-free sequence number within one run
 * @param attempt the attempt that produced the chunk (a retried stream starts again at seq 0 with a higher attempt)
 * @param runId the run that produced the chunk, chosen by the worker when the run starts (unique per delivery and
 *              attempt); optional: null on chunks of workers older than the field, whose readers go by
 *              {@code attempt} alone
 * @param chunk an OpenAI {@code chat.completion.chunk} object (possibly several provider chunks coalesced)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StreamChunk(int schemaVersion, String jobId, int attempt, String runId, long seq, ObjectNode chunk,
                          Instant at) {

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
        if (runId != null && runId.isBlank()) {
            runId = null;
        }
    }

    /** A chunk without a run id, as workers older than {@code run_id} wrote them. */
    public StreamChunk(int schemaVersion, String jobId, int attempt, long seq, ObjectNode chunk, Instant at) {
        this(schemaVersion, jobId, attempt, null, seq, chunk, at);
    }
}
