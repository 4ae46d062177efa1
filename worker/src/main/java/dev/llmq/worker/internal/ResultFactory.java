package dev.llmq.worker.internal;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobRequest;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.worker.JobOutcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Builds terminal results: pure functions of the job, the outcome and the times. */
public final class ResultFactory {

    /** Error kind of a failure inside the worker or its handler rather than at the provider. */
    public static final String KIND_INTERNAL = "internal";
    /** Error kind of a job whose deadline passed before a worker started it. */
    public static final String KIND_EXPIRED = "expired";

    /** Error code of a result replaced because it was larger than Kafka accepts. */
    public static final String CODE_RESULT_TOO_LARGE = "result_too_large";
    /** The error code of a job started {@code llmq.worker.max_deliveries} times without finishing. */
    public static final String CODE_POISON_JOB = "poison_job";
    /** Error code of a result replaced because Kafka refused it for another reason that retrying cannot fix. */
    public static final String CODE_RESULT_NOT_PUBLISHED = "result_not_published";

    /**
     * The cost reason of a result with tokens but no computed cost (a handler that counted tokens without pricing
     * them).
     */
    public static final String NOT_PRICED = "not priced: the provider reported no billable usage for this job (the "
            + "tokens shown were counted by llmq), so its cost is unknown";

    private static final int MAX_MESSAGE = 300;
    /** Room for Kafka's own explanation as well. */
    private static final int MAX_UNPUBLISHABLE_MESSAGE = 800;

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
        boolean priced = outcome.costUsd() != null || outcome.costReason() != null;
        boolean noTokens = outcome.usage().totalTokens() == 0 && outcome.usage().promptTokens() == 0
                && outcome.usage().completionTokens() == 0;
        BigDecimal cost = priced ? outcome.costUsd() : noTokens ? BigDecimal.ZERO : null;
        String costReason = priced || noTokens ? outcome.costReason() : NOT_PRICED;
        return new JobResult(JobResult.SCHEMA_VERSION, job.jobId(), job.batchId(), job.customId(), job.tenant(),
                job.modelGroup(), outcome.status(), outcome.response(), outcome.error(), outcome.usage(),
                cost, costReason,
                outcome.deployment(), outcome.provider(), outcome.model(), outcome.attempts(),
                latency == null ? null : latency.toMillis(), ttft == null ? null : ttft.toMillis(),
                job.submittedAt(), startedAt, completedAt, job.tags(), job.metadata(), outcome.adjustments());
    }

    /** The result of a job picked up after its deadline; no provider was called. */
    public static JobResult expired(JobRequest job, Instant now) {
        JobError error = new JobError("expired", "deadline_exceeded",
                "the job's deadline " + job.deadline() + " passed before a worker started it", null, KIND_EXPIRED,
                null, null);
        return new JobResult(JobResult.SCHEMA_VERSION, job.jobId(), job.batchId(), job.customId(), job.tenant(),
                job.modelGroup(), JobStatus.EXPIRED, null, error, null, BigDecimal.ZERO, null, null, null, null, null, null, null,
                job.submittedAt(), null, now, job.tags(), job.metadata(), null);
    }

    /**
     * The result of a job stopped before it started (cancelled), with the abort's error; no provider was called.
     */
    public static JobResult stopped(JobRequest job, ProviderError why, Instant startedAt, Instant now) {
        JobStatus status = why.kind() == ErrorKind.EXPIRED ? JobStatus.EXPIRED : JobStatus.CANCELLED;
        return new JobResult(JobResult.SCHEMA_VERSION, job.jobId(), job.batchId(), job.customId(), job.tenant(),
                job.modelGroup(), status, null, why.toJobError(null), null, BigDecimal.ZERO, null, null, null, null, null, null, null,
                job.submittedAt(), startedAt, now, job.tags(), job.metadata(), null);
    }

    /** The result of a poison job: started {@code starts} times, never finished, not run again. */
    public static JobResult poison(JobRequest job, int starts, Instant now) {
        JobError error = new JobError("api_error", CODE_POISON_JOB, "the job was started " + starts
                + " times and its worker died each time before it finished (llmq.worker.max_deliveries); "
                + "it is not run again and its record is in the dead-letter topic", null,
                KIND_INTERNAL, null, null);
        return new JobResult(JobResult.SCHEMA_VERSION, job.jobId(), job.batchId(), job.customId(), job.tenant(),
                job.modelGroup(), JobStatus.FAILED, null, error, null, BigDecimal.ZERO, null, null, null, null, null, null, null,
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
        return JobOutcome.failed(new JobError("api_error", "internal_error", shorten(message, MAX_MESSAGE), null, KIND_INTERNAL,
                null, null));
    }

    /**
     * What replaces a result Kafka refused (too large, say, because of a long answer or the job's metadata): a
     * failed result that says why, keeping the job's identity, the route, the usage and cost (the provider was paid)
     * and the times, but not the response, metadata, tags, attempts or adjustments that may have made it too large.
     */
    public static JobResult unpublishable(JobResult refused, SendRefusedException why) {
        String code = why.tooLarge() ? CODE_RESULT_TOO_LARGE : CODE_RESULT_NOT_PUBLISHED;
        String message = "the job's " + refused.status().wire() + " result could not be published, so this smaller"
                + " one without its response, metadata, tags, attempts and adjustments replaces it; Kafka said: "
                + why.reason();
        JobError error = new JobError("api_error", code, shorten(message, MAX_UNPUBLISHABLE_MESSAGE), null, KIND_INTERNAL, null,
                refused.provider());
        return new JobResult(JobResult.SCHEMA_VERSION, refused.jobId(), refused.batchId(), refused.customId(),
                refused.tenant(), refused.modelGroup(), JobStatus.FAILED, null, error, refused.usage(),
                refused.costUsd(), refused.costReason(), refused.deployment(), refused.provider(), refused.model(), null,
                refused.latencyMs(), refused.ttftMs(), refused.submittedAt(), refused.startedAt(),
                refused.completedAt(), null, null, null);
    }

    private static String shorten(String message, int max) {
        return message.length() > max ? message.substring(0, max) + "..." : message;
    }
}
