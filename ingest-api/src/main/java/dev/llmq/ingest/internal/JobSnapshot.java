package dev.llmq.ingest.internal;

import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * What the status view knows about one job. Fields learnt from a later record fill in what an earlier one lacked
 * (a result can be read before its job record, since they are on different topics).
 *
 * @param fingerprint of the submitted job ({@link Fingerprints}), only kept for jobs with an idempotency key
 * @param result the first terminal result seen, or null
 * @param expiresAt the job's deadline ({@code expires_at}), or null
 */
public record JobSnapshot(String jobId, String batchId, String customId, String tenant, String modelGroup,
                          boolean stream, Instant submittedAt, JobStatus status, String idempotencyKey,
                          String fingerprint, JobResult result, Instant expiresAt) {

    public JobSnapshot {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
    }

    /** A job without a known deadline. */
    public JobSnapshot(String jobId, String batchId, String customId, String tenant, String modelGroup, boolean stream,
                       Instant submittedAt, JobStatus status, String idempotencyKey, String fingerprint,
                       JobResult result) {
        this(jobId, batchId, customId, tenant, modelGroup, stream, submittedAt, status, idempotencyKey, fingerprint,
                result, null);
    }

    public boolean terminal() {
        return status.terminal();
    }

    /** Fills absent fields from {@code other} (a job record seen after a status or result). */
    JobSnapshot fillFrom(JobSnapshot other) {
        return new JobSnapshot(jobId, or(batchId, other.batchId), or(customId, other.customId), or(tenant, other.tenant),
                or(modelGroup, other.modelGroup), stream || other.stream, or(submittedAt, other.submittedAt), status,
                or(idempotencyKey, other.idempotencyKey), or(fingerprint, other.fingerprint), result,
                or(expiresAt, other.expiresAt));
    }

    JobSnapshot withStatus(JobStatus next) {
        return new JobSnapshot(jobId, batchId, customId, tenant, modelGroup, stream, submittedAt, next, idempotencyKey,
                fingerprint, result, expiresAt);
    }

    JobSnapshot withResult(JobResult r) {
        return new JobSnapshot(jobId, or(batchId, r.batchId()), or(customId, r.customId()), or(tenant, r.tenant()),
                or(modelGroup, r.modelGroup()), stream, or(submittedAt, r.submittedAt()), r.status(), idempotencyKey,
                fingerprint, r, expiresAt);
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }
}
