package dev.llmq.ingest.internal;

import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JobStatusEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * What the status store knows about one job. Fields learnt from a later record fill in what an earlier one lacked
 * (a result can be read before its job record, since they are on different topics). Stored as JSON in the status
 * store ({@link JobStatusTopology}), so fields may be added; readers ignore unknown ones.
 *
 * @param fingerprint of the submitted job ({@link Fingerprints}), only kept for jobs with an idempotency key
 * @param result the first terminal result seen, or null
 * @param running what the newest status event said about the run in progress, or null
 * @param expiresAt the job's deadline ({@code expires_at}), or null
 */
public record JobSnapshot(String jobId, String batchId, String customId, String tenant, String modelGroup,
                          boolean stream, Instant submittedAt, JobStatus status, String idempotencyKey,
                          String fingerprint, JobResult result, Running running, Instant expiresAt) {

    public JobSnapshot {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(status, "status");
    }

    /** A snapshot without running detail or deadline. */
    public JobSnapshot(String jobId, String batchId, String customId, String tenant, String modelGroup, boolean stream,
                       Instant submittedAt, JobStatus status, String idempotencyKey, String fingerprint,
                       JobResult result) {
        this(jobId, batchId, customId, tenant, modelGroup, stream, submittedAt, status, idempotencyKey, fingerprint,
                result, null, null);
    }

    /**
     * The run in progress, from the newest {@code running} {@link JobStatusEvent}.
     *
     * @param attempt the provider attempt within the run, from 1
     * @param runId the run, as on the job's chunks; null from older workers
     * @param deployment the deployment of the attempt, when known
     * @param tokensSoFar output tokens streamed so far by the run (streaming jobs), when reported
     * @param at when the worker sent the event
     * @param waiting why the run waits, calling nothing, when it does (null while it runs)
     */
    public record Running(int attempt, String runId, String deployment, Integer tokensSoFar, String workerId,
                          Instant at, String waiting) {

        /** A run that does not wait. */
        public Running(int attempt, String runId, String deployment, Integer tokensSoFar, String workerId,
                       Instant at) {
            this(attempt, runId, deployment, tokensSoFar, workerId, at, null);
        }

        static Running of(JobStatusEvent e) {
            return new Running(e.attempt(), e.runId(), e.deployment(), e.tokensSoFar(), e.workerId(), e.at(),
                    e.waiting());
        }
    }

    /**
     * What a job record says: queued, with its deadline, and its {@code fingerprint} (null without an idempotency
     * key, {@link Fingerprints#ofJob} with one).
     */
    static JobSnapshot queued(JobRequest r, String fingerprint) {
        return queued(r.jobId(), r.batchId(), r.customId(), r.tenant(), r.modelGroup(), r.stream(), r.submittedAt(),
                r.idempotencyKey(), fingerprint, r.deadline());
    }

    /** What a job record's fields say, its body's fingerprint given (null without an idempotency key). */
    static JobSnapshot queued(String jobId, String batchId, String customId, String tenant, String modelGroup,
                              boolean stream, Instant submittedAt, String idempotencyKey, String fingerprint,
                              Instant deadline) {
        return new JobSnapshot(jobId, batchId, customId, tenant, modelGroup, stream, submittedAt, JobStatus.QUEUED,
                idempotencyKey, fingerprint, null, null, deadline);
    }

    public boolean terminal() {
        return status.terminal();
    }

    /** Fills absent fields from {@code other} (a job record seen after a status or result). */
    JobSnapshot fillFrom(JobSnapshot other) {
        return new JobSnapshot(jobId, or(batchId, other.batchId), or(customId, other.customId), or(tenant, other.tenant),
                or(modelGroup, other.modelGroup), stream || other.stream, or(submittedAt, other.submittedAt), status,
                or(idempotencyKey, other.idempotencyKey), or(fingerprint, other.fingerprint), result,
                or(running, other.running), or(expiresAt, other.expiresAt));
    }

    /**
     * After a {@code running} event: running with the event's detail, unless the job is already finished (a late or
     * redelivered event never takes a result back) or the event is older than the detail held.
     */
    JobSnapshot withRunning(JobStatusEvent e) {
        if (terminal() || (running != null && e.at().isBefore(running.at()))) {
            return this;
        }
        return new JobSnapshot(jobId, or(batchId, e.batchId()), customId, tenant, modelGroup, stream, submittedAt,
                JobStatus.RUNNING, idempotencyKey, fingerprint, null, Running.of(e), expiresAt);
    }

    /** After a terminal result: the first one wins, later ones (at-least-once delivery) change nothing. */
    JobSnapshot withResult(JobResult r) {
        return finished(r.status(), r.batchId(), r.customId(), r.tenant(), r.modelGroup(), r.submittedAt(), r);
    }

    /**
     * After a terminal result whose record is kept apart (the status store keeps its bytes as they came,
     * {@link StoredSnapshot}): as {@link #withResult(JobResult)}, from the result's identifying fields, without it.
     */
    JobSnapshot finishedBy(JobStatus status, String batchId, String customId, String tenant, String modelGroup,
                           Instant submittedAt) {
        return finished(status, batchId, customId, tenant, modelGroup, submittedAt, null);
    }

    private JobSnapshot finished(JobStatus status, String batchId, String customId, String tenant, String modelGroup,
                                 Instant submittedAt, JobResult r) {
        if (terminal()) {
            return this;
        }
        return new JobSnapshot(jobId, or(this.batchId, batchId), or(this.customId, customId), or(this.tenant, tenant),
                or(this.modelGroup, modelGroup), stream, or(this.submittedAt, submittedAt), status, idempotencyKey,
                fingerprint, r, running, expiresAt);
    }

    /** This snapshot with its result, read apart ({@link StoredSnapshot}). */
    JobSnapshot withStoredResult(JobResult r) {
        return new JobSnapshot(jobId, batchId, customId, tenant, modelGroup, stream, submittedAt, status,
                idempotencyKey, fingerprint, r, running, expiresAt);
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }
}
