package dev.llmq.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.Attempt;
import dev.llmq.schemas.JobError;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link JobHandler} reports about a job; the worker adds the job's identity and times and publishes it as
 * the job's {@link dev.llmq.schemas.JobResult}.
 *
 * @param status a terminal status
 * @param response the OpenAI {@code chat.completion} object; required when succeeded
 * @param error why the job did not succeed; required otherwise
 * @param usage token usage (zero when unknown)
 * @param costUsd what the answering call cost in USD, exact; null when not priced
 * @param costReason why a call that used tokens has no {@code costUsd} (its model has no price); null otherwise
 * @param deployment the deployment that answered (or was last tried), or null
 * @param provider that deployment's provider, or null
 * @param model the provider's model name, or null
 * @param attempts every provider call made, in order
 * @param latency the provider latency of the answering call, or null to let the worker measure the handler call
 * @param timeToFirstToken for streams, or null to let the worker use the time to the first published chunk
 * @param adjustments parameters dropped or filled in for the deployment
 */
public record JobOutcome(JobStatus status, ObjectNode response, JobError error, TokenUsage usage, BigDecimal costUsd,
                         String costReason, String deployment, String provider, String model, List<Attempt> attempts, Duration latency,
                         Duration timeToFirstToken, List<String> adjustments) {

    public JobOutcome {
        Objects.requireNonNull(status, "status");
        if (!status.terminal()) {
            throw new IllegalArgumentException("an outcome needs a terminal status, not " + status.wire());
        }
        if (status == JobStatus.SUCCEEDED && response == null) {
            throw new IllegalArgumentException("a succeeded outcome needs a response");
        }
        if (status != JobStatus.SUCCEEDED && error == null) {
            throw new IllegalArgumentException("a " + status.wire() + " outcome needs an error");
        }
        if (costUsd != null && costUsd.signum() < 0) {
            throw new IllegalArgumentException("cost must be >= 0, was " + costUsd);
        }
        if (costUsd != null && costReason != null) {
            throw new IllegalArgumentException("a priced outcome has no cost reason");
        }
        if (latency != null && latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative");
        }
        if (timeToFirstToken != null && timeToFirstToken.isNegative()) {
            throw new IllegalArgumentException("time to first token must not be negative");
        }
        usage = usage == null ? TokenUsage.ZERO : usage;
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        adjustments = adjustments == null ? List.of() : List.copyOf(adjustments);
    }

    public static JobOutcome succeeded(ObjectNode response, TokenUsage usage) {
        return new JobOutcome(JobStatus.SUCCEEDED, response, null, usage, null, null, null, null, null, null, null, null,
                null);
    }

    public static JobOutcome failed(JobError error) {
        return new JobOutcome(JobStatus.FAILED, null, error, null, null, null, null, null, null, null, null, null,
                null);
    }

    public static JobOutcome cancelled(JobError error) {
        return new JobOutcome(JobStatus.CANCELLED, null, error, null, null, null, null, null, null, null, null, null,
                null);
    }

    public static JobOutcome expired(JobError error) {
        return new JobOutcome(JobStatus.EXPIRED, null, error, null, null, null, null, null, null, null, null, null,
                null);
    }

    /** What was produced before the job stopped (a cancelled stream's partial completion). */
    public JobOutcome withResponse(ObjectNode partial) {
        return new JobOutcome(status, partial, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }

    public JobOutcome withUsage(TokenUsage usage) {
        return new JobOutcome(status, response, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }

    /** The deployment, provider and model that answered (or were last tried). */
    public JobOutcome withRoute(String deployment, String provider, String model) {
        return new JobOutcome(status, response, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }

    /** The cost of the answering call: an exact amount, or null and the reason it could not be priced. */
    public JobOutcome withCost(BigDecimal costUsd, String costReason) {
        return new JobOutcome(status, response, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }

    public JobOutcome withAttempts(List<Attempt> attempts) {
        return new JobOutcome(status, response, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }

    public JobOutcome withTimings(Duration latency, Duration timeToFirstToken) {
        return new JobOutcome(status, response, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }

    public JobOutcome withAdjustments(List<String> adjustments) {
        return new JobOutcome(status, response, error, usage, costUsd, costReason, deployment, provider, model, attempts, latency,
                timeToFirstToken, adjustments);
    }
}
