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
 * @param waiting why the run waits without a slot and calls nothing now (a spend budget in force, no deployment of
 *                its group able to take it, a retry's delay), as one sentence; null while it runs (or from older
 *                workers)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatusEvent(int schemaVersion, String jobId, String batchId, JobStatus status, String workerId,
                             int attempt, Instant at, String runId, String deployment, Integer tokensSoFar,
                             String waiting) {

    public static final int SCHEMA_VERSION = 1;

    public JobStatusEvent {
        JobRequest.requireText(jobId, "job_id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(at, "at");
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    /** An event of a run that does not wait. */
    public JobStatusEvent(int schemaVersion, String jobId, String batchId, JobStatus status, String workerId,
                          int attempt, Instant at, String runId, String deployment, Integer tokensSoFar) {
        this(schemaVersion, jobId, batchId, status, workerId, attempt, at, runId, deployment, tokensSoFar, null);
    }

    /** An event without run, deployment or progress detail. */
    public JobStatusEvent(int schemaVersion, String jobId, String batchId, JobStatus status, String workerId, int attempt,
                          Instant at) {
        this(schemaVersion, jobId, batchId, status, workerId, attempt, at, null, null, null, null);
    }
}
