package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Objects;

/**
 * A non-terminal lifecycle event on {@code llmq.status.v1}: a worker started a run of the job, or an attempt of it on a
 * deployment, or (for a streaming job) reports its progress.
 *
 * @param attempt the provider attempt within the run, from 1
 * @param runId the run (one delivery of the job to a worker), as on the job's chunks; null from older workers
 * @param deployment the deployment of the attempt, when one was chosen
 * @param tokensSoFar output tokens (chunks' deltas, approximately) streamed so far by this run, for streaming jobs
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatusEvent(int schemaVersion, String jobId, String batchId, JobStatus status, String workerId,
                             int attempt, Instant at, String runId, String deployment, Integer tokensSoFar) {

    public static final int SCHEMA_VERSION = 1;

    public JobStatusEvent {
        JobRequest.requireText(jobId, "job_id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(at, "at");
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    /** An event without run, deployment or progress detail. */
    public JobStatusEvent(int schemaVersion, String jobId, String batchId, JobStatus status, String workerId, int attempt,
                          Instant at) {
        this(schemaVersion, jobId, batchId, status, workerId, attempt, at, null, null, null);
    }
}
