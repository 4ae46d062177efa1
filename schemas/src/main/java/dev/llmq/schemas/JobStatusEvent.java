package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Objects;

/** A non-terminal lifecycle event on {@code llmq.status.v1} (today: a worker started the job). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatusEvent(int schemaVersion, String jobId, String batchId, JobStatus status, String workerId, int attempt, Instant at) {

    public static final int SCHEMA_VERSION = 1;

    public JobStatusEvent {
        JobRequest.requireText(jobId, "job_id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(at, "at");
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }
}
