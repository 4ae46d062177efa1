package dev.llmq.worker.internal;

import dev.llmq.provider.ProviderException;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.worker.JobOutcome;
import java.time.Duration;
import java.time.Instant;

/** Builds terminal results: pure functions of the job, the outcome and the times. */
public final class ResultFactory {

    /** Error kind of a failure inside the worker or its handler rather than at the provider. */
    public static final String KIND_INTERNAL = "internal";
    /** Error kind of a job whose deadline passed before a worker started it. */
    public static final String KIND_EXPIRED = "expired";

    private static final int MAX_MESSAGE = 300;

    private ResultFactory() {
    }

    /**
     * The job's result from its handler's outcome.
     *
     * @param measuredLatency how long the handler took, used when the outcome has no latency
     * @param firstChunk when the first chunk was published, or null; gives the time to first token when the outcome
     *                   has none
     */
    public static JobResult fromOutcome(JobRequest job, JobOutcome outcome, Instant startedAt, Instant completedAt,
                                        Duration measuredLatency, Instant firstChunk) {
        Duration latency = outcome.latency() != null ? outcome.latency() : measuredLatency;
        Duration ttft = outcome.timeToFirstToken();
        if (ttft == null && firstChunk != null) {
            ttft = Duration.between(startedAt, firstChunk);
            ttft = ttft.isNegative() ? Duration.ZERO : ttft;
        }
        return new JobResult(JobResult.SCHEMA_VERSION, job.jobId(), job.batchId(), job.customId(), job.tenant(),
                job.modelGroup(), outcome.status(), outcome.response(), outcome.error(), outcome.usage(),
                outcome.costUsd(), outcome.deployment(), outcome.provider(), outcome.model(), outcome.attempts(),
                latency == null ? null : latency.toMillis(), ttft == null ? null : ttft.toMillis(),
                job.submittedAt(), startedAt, completedAt, job.tags(), job.metadata(), outcome.adjustments());
    }

    /** The result of a job picked up after its deadline; no provider was called. */
    public static JobResult expired(JobRequest job, Instant now) {
        JobError error = new JobError("expired", "deadline_exceeded",
                "the job's deadline " + job.deadline() + " passed before a worker started it", null, KIND_EXPIRED,
                null, null);
        return new JobResult(JobResult.SCHEMA_VERSION, job.jobId(), job.batchId(), job.customId(), job.tenant(),
                job.modelGroup(), JobStatus.EXPIRED, null, error, null, null, null, null, null, null, null, null,
                job.submittedAt(), null, now, job.tags(), job.metadata(), null);
    }

    public static boolean isExpired(JobRequest job, Instant now) {
        return job.deadline() != null && now.isAfter(job.deadline());
    }

    /** The outcome of a handler that threw: a provider failure keeps its classification, anything else is internal. */
    public static JobOutcome failure(Throwable thrown) {
        if (thrown instanceof ProviderException pe) {
            return JobOutcome.failed(pe.error().toJobError(null)); // the handler did not say which provider
        }
        String detail = thrown.getMessage() == null ? "" : ": " + thrown.getMessage();
        String message = "the worker failed to run the job (" + thrown.getClass().getSimpleName() + detail + ")";
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "...";
        }
        return JobOutcome.failed(new JobError("api_error", "internal_error", message, null, KIND_INTERNAL, null, null));
    }
}
