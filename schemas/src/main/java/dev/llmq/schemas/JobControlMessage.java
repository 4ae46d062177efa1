package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A request about jobs on {@code llmq.control.v1}: today, cancel one job or every job of a batch. Keyed by
 * {@link #jobKey(String)} or {@link #batchKey(String)}, so compaction keeps one record per job or batch and never
 * shares a key with deployment health. Header {@code llmq.control.type} carries {@link #type()}.
 *
 * @param type {@value #TYPE_CANCEL}; readers skip types they do not know
 * @param jobId the job, or null when {@code batchId} names a whole batch
 * @param batchId the batch, when every job of it is meant
 * @param reason why, as the client gave it (may be null)
 * @param source who asked (the ingest instance)
 * @param at when it was asked
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobControlMessage(int schemaVersion, String type, String jobId, String batchId, String reason,
                                String source, Instant at) {

    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE_CANCEL = "job_cancel";
    public static final String JOB_KEY_PREFIX = "job-cancel:";
    public static final String BATCH_KEY_PREFIX = "batch-cancel:";
    /**
     * How long a cancellation is kept after it was asked: a week, as long as a job waits in the queue at most (the
     * jobs topics' retention, the broker's default). Workers forget one after it; the ingest then deletes its record
     * from the compacted control topic (a tombstone), so the topic and every reader of it stay bounded.
     */
    public static final Duration CANCEL_RETENTION = Duration.ofDays(7);

    public JobControlMessage {
        JobRequest.requireText(type, "type");
        Objects.requireNonNull(at, "at");
        if ((jobId == null) == (batchId == null)) {
            throw new IllegalArgumentException("exactly one of job_id and batch_id is required");
        }
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    public static JobControlMessage cancelJob(String jobId, String reason, String source, Instant at) {
        return new JobControlMessage(SCHEMA_VERSION, TYPE_CANCEL, jobId, null, reason, source, at);
    }

    public static JobControlMessage cancelBatch(String batchId, String reason, String source, Instant at) {
        return new JobControlMessage(SCHEMA_VERSION, TYPE_CANCEL, null, batchId, reason, source, at);
    }

    /** The record key: one per job or batch. */
    public String key() {
        return jobId != null ? jobKey(jobId) : batchKey(batchId);
    }

    public static String jobKey(String jobId) {
        return JOB_KEY_PREFIX + jobId;
    }

    public static String batchKey(String batchId) {
        return BATCH_KEY_PREFIX + batchId;
    }
}
